import { randomUUID } from 'node:crypto';
import { beforeAll, describe } from 'vitest';
import type { Tx } from '$lib/server/db';
import { ownerDb } from '../helpers';
import {
	changeMatrix,
	EVERYONE,
	groupRlsCast,
	idOf,
	visibilityMatrix,
	type GroupCast,
	type Who
} from './group-matrix';

// Thread replies are messages: who reads and posts them is who reads and posts in the channel.
// Replies do not nest and stay in their root's channel. Thread follows are each person's own:
// they follow only threads they can read, and nobody sees or changes anyone else's.

type ThreadCast = GroupCast & {
	general: Record<string, string>;
	/** A top-level message by the organisation admin in every group's general. */
	roots: Record<string, string>;
	/** A reply to each root, by the organisation admin. */
	replies: Record<string, string>;
};

let cast: ThreadCast;
const getCast = () => cast as unknown as GroupCast;
const threadCast = (c: GroupCast) => c as ThreadCast;

async function insertMessage(channelId: string, authorId: string, body: string, root?: string) {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.messages (channel_id, author_id, client_id, body, thread_root_id)
		values (${channelId}, ${authorId}, ${randomUUID()}, ${body}, ${root ?? null}) returning id`;
	return row.id;
}

beforeAll(async () => {
	const base = await groupRlsCast();
	const general: Record<string, string> = {};
	const roots: Record<string, string> = {};
	const replies: Record<string, string> = {};
	for (const [name, groupId] of Object.entries(base.groups)) {
		const [row] = await ownerDb()<{ id: string }[]>`
			select id from public.channels where group_id = ${groupId} and name = 'general'`;
		general[name] = row.id;
		roots[name] = await insertMessage(row.id, base.people.orgAdmin.id, `Root in ${name}`);
		replies[name] = await insertMessage(
			row.id,
			base.people.orgAdmin.id,
			`Reply in ${name}`,
			roots[name]
		);
	}
	// learnerG follows G's thread (as if they had replied there).
	await ownerDb()`
		insert into public.thread_follows (root_id, user_id, group_id)
		values (${roots.G}, ${base.people.learnerG.id}, ${base.groups.G})`;
	cast = { ...base, general, roots, replies };
});

// The groups whose chat each person is in (as in chat.test.ts).
const CHATS: Record<Who, string[]> = {
	anon: [],
	learnerG: ['G', 'Own'],
	learnerG1: ['G', 'G1'],
	learnerH: ['H', 'Hs', 'Own', 'P'],
	leaderG: ['G', 'G1', 'G1a', 'Hid', 'R'],
	leaderG1: ['G', 'G1', 'G1a'],
	leaderH: ['H', 'Hs', 'Hn'],
	outsider: [],
	instructor: [],
	otherOrgAdmin: ['F'],
	orgAdmin: ['G', 'G1', 'G1a', 'Hid', 'R', 'H', 'Hs', 'Hn', 'S', 'Own', 'P', 'Pm'],
	platformAdmin: ['G', 'G1', 'G1a', 'Hid', 'R', 'H', 'Hs', 'Hn', 'S', 'Own', 'P', 'Pm', 'F']
};
const IN_G = EVERYONE.filter((who) => CHATS[who].includes('G'));
const OUTSIDE_G = EVERYONE.filter((who) => who !== 'anon' && !IN_G.includes(who));
const ALL_REFUSED = Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }]));

describe('thread replies', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'thread replies',
		expected: CHATS,
		visible: async (tx: Tx, c) => {
			const ids = Object.values(threadCast(c).replies);
			const rows = await tx<{ groupId: string }[]>`
				select group_id as "groupId" from public.messages
				where id = any(${ids}::uuid[]) and thread_root_id is not null`;
			return rows.map((row) => c.name(row.groupId));
		}
	});

	changeMatrix({
		cast: getCast,
		table: 'messages',
		action: 'reply in a thread of G’s general',
		kind: 'insert',
		allowed: IN_G,
		statement: (c, who) => (tx) =>
			tx`insert into public.messages (channel_id, author_id, client_id, body, thread_root_id)
			   values (${threadCast(c).general.G}, ${idOf(c, who)}, ${randomUUID()}, 'reply', ${threadCast(c).roots.G})`,
		denied: Object.fromEntries(OUTSIDE_G.map((who) => [who, { code: '23503' }]))
	});

	changeMatrix({
		cast: getCast,
		table: 'messages',
		action: 'reply to a reply (threads do not nest)',
		kind: 'insert',
		allowed: [],
		statement: (c, who) => (tx) =>
			tx`insert into public.messages (channel_id, author_id, client_id, body, thread_root_id)
			   values (${threadCast(c).general.G}, ${idOf(c, who)}, ${randomUUID()}, 'nested', ${threadCast(c).replies.G})`,
		denied: Object.fromEntries(
			EVERYONE.filter((who) => who !== 'anon').map((who) => [
				who,
				{ code: IN_G.includes(who) ? '23514' : '23503' }
			])
		)
	});

	changeMatrix({
		cast: getCast,
		table: 'messages',
		action: 'reply in G’s general to a message of H’s',
		kind: 'insert',
		allowed: [],
		statement: (c, who) => (tx) =>
			tx`insert into public.messages (channel_id, author_id, client_id, body, thread_root_id)
			   values (${threadCast(c).general.G}, ${idOf(c, who)}, ${randomUUID()}, 'elsewhere', ${threadCast(c).roots.H})`,
		denied: Object.fromEntries(
			EVERYONE.filter((who) => who !== 'anon').map((who) => [who, { code: '23503' }])
		)
	});

	changeMatrix({
		cast: getCast,
		table: 'messages',
		action: 'move a reply to another thread',
		kind: 'update',
		allowed: [],
		statement: (c) => (tx) =>
			tx`update public.messages set thread_root_id = ${threadCast(c).roots.G1}, also_in_channel = true
			   where id = ${threadCast(c).replies.G}`,
		denied: ALL_REFUSED
	});
});

describe('thread follows', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'follows of G’s thread',
		expected: Object.fromEntries(
			// The organisation admin wrote the root and a reply: they follow it too.
			EVERYONE.map((who) => [who, who === 'learnerG' || who === 'orgAdmin' ? [who] : []])
		) as Record<Who, string[]>,
		visible: async (tx: Tx, c) => {
			const rows = await tx<{ userId: string }[]>`
				select user_id as "userId" from public.thread_follows where root_id = ${threadCast(c).roots.G}`;
			return rows.map((row) => c.name(row.userId));
		}
	});

	changeMatrix({
		cast: getCast,
		table: 'thread_follows',
		action: 'follow a thread of G’s general',
		kind: 'insert',
		// learnerG and the organisation admin already follow it: their insert conflicts.
		allowed: IN_G.filter((who) => who !== 'learnerG' && who !== 'orgAdmin'),
		statement: (c, who) => (tx) =>
			tx`insert into public.thread_follows (root_id, user_id, group_id)
			   values (${threadCast(c).roots.G}, ${idOf(c, who)}, ${c.groups.H})`,
		denied: { learnerG: { code: '23505' }, orgAdmin: { code: '23505' } }
	});

	changeMatrix({
		cast: getCast,
		table: 'thread_follows',
		action: 'make someone else follow a thread of G’s general',
		kind: 'insert',
		allowed: [],
		statement: (c, who) => (tx) =>
			tx`insert into public.thread_follows (root_id, user_id, group_id)
			   values (${threadCast(c).roots.G}, ${c.people[who === 'learnerG1' ? 'leaderG1' : 'learnerG1'].id}, ${c.groups.G})`
	});

	changeMatrix({
		cast: getCast,
		table: 'thread_follows',
		action: 'follow a reply as if it were a thread',
		kind: 'insert',
		allowed: [],
		statement: (c, who) => (tx) =>
			tx`insert into public.thread_follows (root_id, user_id, group_id)
			   values (${threadCast(c).replies.G}, ${idOf(c, who)}, ${c.groups.G})`,
		denied: Object.fromEntries(
			EVERYONE.filter((who) => who !== 'anon').map((who) => [who, { code: '23503' }])
		)
	});

	changeMatrix({
		cast: getCast,
		table: 'thread_follows',
		action: 'unfollow learnerG’s thread',
		kind: 'update',
		allowed: ['learnerG'],
		statement: (c) => (tx) =>
			tx`update public.thread_follows set following = false
			   where root_id = ${threadCast(c).roots.G} and user_id = ${c.people.learnerG.id}`,
		denied: { anon: { code: '42501' } }
	});

	changeMatrix({
		cast: getCast,
		table: 'thread_follows',
		action: 'move a follow to another thread',
		kind: 'update',
		allowed: [],
		statement: (c) => (tx) =>
			tx`update public.thread_follows set root_id = ${threadCast(c).roots.H}
			   where user_id = ${c.people.learnerG.id}`,
		denied: ALL_REFUSED
	});

	changeMatrix({
		cast: getCast,
		table: 'thread_follows',
		action: 'delete a follow',
		kind: 'delete',
		allowed: [],
		statement: (c) => (tx) =>
			tx`delete from public.thread_follows where root_id = ${threadCast(c).roots.G}`,
		denied: ALL_REFUSED
	});
});
