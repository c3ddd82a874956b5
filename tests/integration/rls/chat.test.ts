import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Tx } from '$lib/server/db';
import { ownerDb } from '../helpers';
import {
	actorOf,
	changeMatrix,
	EVERYONE,
	groupRlsCast,
	idOf,
	visibilityMatrix,
	type GroupCast,
	type Who
} from './group-matrix';

// Who reads and writes a group's chat: its effective members (sub-group members included, never
// the plain members of a hidden group), the leaders of it and of its ancestors, and the admins of
// its scope. Everyone else gets nothing, and every refused change leaves the tables as they were.

type ChatCast = GroupCast & {
	channels: Record<string, { general: string; announcements: string }>;
	/** One message by the organisation admin in every group's general. */
	messages: Record<string, string>;
	/** A message by learnerG in G's general. */
	learnerMessage: string;
	/** A mention of learnerG by leaderG. */
	mentionMessage: string;
};

let cast: ChatCast;
const getCast = () => cast as unknown as GroupCast;
const chatCast = (c: GroupCast) => c as ChatCast;

beforeAll(async () => {
	const base = await groupRlsCast();
	const channels: ChatCast['channels'] = {};
	const messages: Record<string, string> = {};
	for (const [name, groupId] of Object.entries(base.groups)) {
		const rows = await ownerDb()<{ id: string; name: string }[]>`
			select id, name from public.channels where group_id = ${groupId}`;
		channels[name] = {
			general: rows.find((r) => r.name === 'general')!.id,
			announcements: rows.find((r) => r.name === 'announcements')!.id
		};
		messages[name] = await insertMessage(
			channels[name].general,
			base.people.orgAdmin.id,
			`In ${name}`
		);
	}
	const learnerMessage = await insertMessage(
		channels.G.general,
		base.people.learnerG.id,
		'Learner writes'
	);
	const mentionMessage = await insertMessage(
		channels.G.general,
		base.people.leaderG.id,
		`Hello @${base.people.learnerG.displayName}`
	);
	cast = { ...base, channels, messages, learnerMessage, mentionMessage };
});

async function insertMessage(channelId: string, authorId: string, body: string) {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.messages (channel_id, author_id, client_id, body)
		values (${channelId}, ${authorId}, ${randomUUID()}, ${body}) returning id`;
	return row.id;
}

// The groups whose chat each person is in.
const CHATS: Record<Who, string[]> = {
	anon: [],
	learnerG: ['G', 'Own'],
	// G.1 and, through it, G; not the hidden group they are a plain member of.
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
const MODERATE_G = ['leaderG', 'orgAdmin', 'platformAdmin'] as const satisfies readonly Who[];

// Anonymous visitors hold no update privilege on chat tables at all.
const ANON_CANNOT_UPDATE = { anon: { code: '42501' } };

const castGroupIds = (c: GroupCast) => Object.values(c.groups);

describe('channels', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'groups’ channels',
		expected: CHATS,
		visible: async (tx: Tx, c) => {
			const rows = await tx<{ groupId: string; n: number }[]>`
				select group_id as "groupId", count(*)::int as n from public.channels
				where group_id = any(${castGroupIds(c)}::uuid[]) group by group_id`;
			expect(rows.every((row) => row.n === 2)).toBe(true);
			return rows.map((row) => c.name(row.groupId));
		}
	});

	changeMatrix({
		cast: getCast,
		table: 'channels',
		action: 'add a chat channel to G',
		kind: 'insert',
		allowed: MODERATE_G,
		statement: (c, who) => (tx) =>
			tx`insert into public.channels (group_id, name, kind, created_by)
			   values (${c.groups.G}, 'projects', 'chat', ${idOf(c, who)})`
	});

	changeMatrix({
		cast: getCast,
		table: 'channels',
		action: 'archive G’s general',
		kind: 'update',
		allowed: MODERATE_G,
		statement: (c) => (tx) =>
			tx`update public.channels set archived_at = now() where id = ${chatCast(c).channels.G.general}`,
		denied: ANON_CANNOT_UPDATE
	});

	changeMatrix({
		cast: getCast,
		table: 'channels',
		action: 'move G’s seq counter',
		kind: 'update',
		allowed: [],
		statement: (c) => (tx) =>
			tx`update public.channels set last_seq = 1000 where id = ${chatCast(c).channels.G.general}`,
		denied: Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }]))
	});

	changeMatrix({
		cast: getCast,
		table: 'channels',
		action: 'delete a channel',
		kind: 'delete',
		allowed: [],
		statement: (c) => (tx) =>
			tx`delete from public.channels where id = ${chatCast(c).channels.G.general}`,
		denied: Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }]))
	});
});

describe('messages', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'groups’ messages',
		expected: CHATS,
		visible: async (tx: Tx, c) => {
			const ids = Object.values(chatCast(c).messages);
			const rows = await tx<{ groupId: string }[]>`
				select group_id as "groupId" from public.messages where id = any(${ids}::uuid[])`;
			return rows.map((row) => c.name(row.groupId));
		}
	});

	changeMatrix({
		cast: getCast,
		table: 'messages',
		action: 'send a message in G’s general',
		kind: 'insert',
		allowed: IN_G,
		statement: (c, who) => (tx) =>
			tx`insert into public.messages (channel_id, author_id, client_id, body)
			   values (${chatCast(c).channels.G.general}, ${idOf(c, who)}, ${randomUUID()}, 'hello')`,
		// Outsiders learn nothing about the channel: it "does not exist" for them.
		denied: Object.fromEntries(
			EVERYONE.filter((who) => who !== 'anon').map((who) => [who, { code: '23503' }])
		)
	});

	changeMatrix({
		cast: getCast,
		table: 'messages',
		action: 'send a message in G’s general in someone else’s name',
		kind: 'insert',
		allowed: [],
		statement: (c) => (tx) =>
			tx`insert into public.messages (channel_id, author_id, client_id, body)
			   values (${chatCast(c).channels.G.general}, ${c.people.outsider.id}, ${randomUUID()}, 'not me')`,
		denied: Object.fromEntries(
			EVERYONE.filter((who) => !IN_G.includes(who) && who !== 'anon').map((who) => [
				who,
				{ code: '23503' }
			])
		)
	});

	changeMatrix({
		cast: getCast,
		table: 'messages',
		action: 'post in H’s announcements channel',
		kind: 'insert',
		allowed: ['leaderH', 'orgAdmin', 'platformAdmin'],
		statement: (c, who) => (tx) =>
			tx`insert into public.messages (channel_id, author_id, client_id, body)
			   values (${chatCast(c).channels.H.announcements}, ${idOf(c, who)}, ${randomUUID()}, 'notice')`,
		denied: Object.fromEntries(
			EVERYONE.filter((who) => who !== 'anon').map((who) => [
				who,
				// Members of H's chat are told why; everyone else learns nothing.
				{ code: CHATS[who].includes('H') ? '42501' : '23503' }
			])
		)
	});

	changeMatrix({
		cast: getCast,
		table: 'messages',
		action: 'edit learnerG’s message',
		kind: 'update',
		allowed: ['learnerG'],
		statement: (c) => (tx) =>
			tx`update public.messages set body = 'rewritten' where id = ${chatCast(c).learnerMessage}`,
		// Moderators may delete it, never put words in the author's mouth.
		denied: {
			...ANON_CANNOT_UPDATE,
			leaderG: { code: '42501' },
			orgAdmin: { code: '42501' },
			platformAdmin: { code: '42501' }
		}
	});

	changeMatrix({
		cast: getCast,
		table: 'messages',
		action: 'delete learnerG’s message',
		kind: 'update',
		allowed: ['learnerG', ...MODERATE_G],
		statement: (c) => (tx) =>
			tx`update public.messages set deleted_at = now() where id = ${chatCast(c).learnerMessage}`,
		denied: ANON_CANNOT_UPDATE
	});

	changeMatrix({
		cast: getCast,
		table: 'messages',
		action: 'change a message’s author, channel or seq',
		kind: 'update',
		allowed: [],
		statement: (c, who) => (tx) =>
			tx`update public.messages set author_id = ${idOf(c, who)}, seq = 999
			   where id = ${chatCast(c).learnerMessage}`,
		denied: Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }]))
	});

	changeMatrix({
		cast: getCast,
		table: 'messages',
		action: 'erase a message for good',
		kind: 'delete',
		allowed: [],
		statement: (c) => (tx) =>
			tx`delete from public.messages where id = ${chatCast(c).learnerMessage}`,
		denied: Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }]))
	});
});

describe('reactions, read positions and mentions', () => {
	changeMatrix({
		cast: getCast,
		table: 'message_reactions',
		action: 'react to a message in G',
		kind: 'insert',
		allowed: IN_G,
		statement: (c, who) => (tx) =>
			tx`insert into public.message_reactions (message_id, user_id, emoji)
			   values (${chatCast(c).messages.G}, ${idOf(c, who)}, '👍')`
	});

	changeMatrix({
		cast: getCast,
		table: 'channel_reads',
		action: 'record a read position in G’s general',
		kind: 'insert',
		allowed: IN_G,
		statement: (c, who) => (tx) =>
			tx`insert into public.channel_reads (user_id, channel_id, last_read_seq)
			   values (${idOf(c, who)}, ${chatCast(c).channels.G.general}, 1)`
	});

	changeMatrix({
		cast: getCast,
		table: 'mentions',
		action: 'make up a mention',
		kind: 'insert',
		allowed: [],
		statement: (c, who) => (tx) =>
			tx`insert into public.mentions (message_id, user_id, channel_id, seq, from_user_id)
			   values (${chatCast(c).messages.G}, ${c.people.learnerG.id}, ${chatCast(c).channels.G.general}, 1, ${idOf(c, who)})`
	});

	visibilityMatrix({
		cast: getCast,
		what: 'mentions of learnerG',
		expected: Object.fromEntries(
			EVERYONE.map((who) => [who, who === 'learnerG' || who === 'leaderG' ? ['learnerG'] : []])
		) as Record<Who, string[]>,
		visible: async (tx: Tx, c) => {
			const rows = await tx<{ userId: string }[]>`
				select user_id as "userId" from public.mentions where message_id = ${chatCast(c).mentionMessage}`;
			return rows.map((row) => c.name(row.userId));
		}
	});

	it('keeps everyone’s read positions and reactions to themselves', async () => {
		const c = cast;
		await withUser(actorOf(c, 'learnerG'), (tx) =>
			Promise.all([
				tx`insert into public.channel_reads (user_id, channel_id, last_read_seq)
				   values (${c.people.learnerG.id}, ${c.channels.G.general}, 1)`,
				tx`insert into public.message_reactions (message_id, user_id, emoji)
				   values (${c.messages.G}, ${c.people.learnerG.id}, '🎉')`
			])
		);
		for (const who of ['learnerG1', 'leaderG', 'orgAdmin'] as const) {
			const [reads, removed] = await withUser(actorOf(c, who), (tx) =>
				Promise.all([
					tx`select * from public.channel_reads where user_id = ${c.people.learnerG.id}`,
					tx`delete from public.message_reactions where user_id = ${c.people.learnerG.id} returning 1`
				])
			);
			expect([who, reads.length, removed.length]).toEqual([who, 0, 0]);
		}
		// Reactions themselves are visible to the group's chat.
		const seen = await withUser(
			actorOf(c, 'learnerG1'),
			(tx) => tx`select emoji from public.message_reactions where message_id = ${c.messages.G}`
		);
		expect(seen.map((row) => row.emoji)).toEqual(['🎉']);
	});
});
