import { beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '$lib/server/db';
import { ownerDb } from '../helpers';
import {
	actorOf,
	attempt,
	changeMatrix,
	EVERYONE,
	groupRlsCast,
	idOf,
	LABEL,
	visibilityMatrix,
	type GroupCast,
	type Who
} from './group-matrix';

// Resources and group storage, acted out by everyone in the groups cast (group-matrix.ts).
// A link in each of G, G.1, the hidden sub-group Hid, H and the other organisation's F; each
// added by a member of that group.

let cast: GroupCast;
let links: Record<string, string>;
const getCast = () => cast;

const SHARERS: Record<string, Who> = {
	G: 'learnerG',
	G1: 'learnerG1',
	Hid: 'learnerG1',
	H: 'learnerH',
	F: 'otherOrgAdmin'
};

beforeAll(async () => {
	cast = await groupRlsCast();
	links = {};
	for (const [group, who] of Object.entries(SHARERS)) {
		const [row] = await ownerDb()<{ id: string }[]>`
			insert into public.resources (group_id, kind, title, url, added_by)
			values (${cast.groups[group as keyof typeof cast.groups]}, 'link', ${group}, 'https://example.org', ${idOf(cast, who)})
			returning id`;
		links[group] = row.id;
	}
	await ownerDb()`insert into public.group_storage (group_id, quota_bytes) values (${cast.groups.G}, 1000000)`;
});

const READERS: Record<Who, string[]> = {
	anon: [],
	learnerG: ['G'],
	// Through G.1 they are in G; they are in the hidden group too, which they cannot see.
	learnerG1: ['G', 'G1'],
	learnerH: ['H'],
	leaderG: ['G', 'G1', 'Hid'],
	// Leading G.1 makes them a member of G, not a leader of it.
	leaderG1: ['G', 'G1'],
	leaderH: ['H'],
	outsider: [],
	instructor: [],
	otherOrgAdmin: ['F'],
	orgAdmin: ['G', 'G1', 'Hid', 'H'],
	platformAdmin: ['G', 'G1', 'Hid', 'H', 'F']
};

const readersOf = (group: string) => EVERYONE.filter((who) => READERS[who].includes(group));

describe('resources', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'resources',
		expected: READERS,
		visible: async (tx) => (await tx`select title from public.resources`).map((row) => row.title)
	});

	const share =
		(group: 'G' | 'H', as: 'self' | 'someone else') => (cast: GroupCast, who: Who) => (tx: Tx) =>
			tx`insert into public.resources (group_id, kind, title, url, added_by)
			   values (${cast.groups[group]}, 'link', 'new', 'https://example.org/new',
			           ${as === 'self' ? idOf(cast, who) : cast.people.learnerG.id})`;
	changeMatrix({
		cast: getCast,
		table: 'resources',
		kind: 'insert',
		action: 'share a link in G',
		allowed: readersOf('G'),
		statement: share('G', 'self')
	});
	changeMatrix({
		cast: getCast,
		table: 'resources',
		kind: 'insert',
		action: 'share a link in G in someone else’s name',
		allowed: [],
		// learnerG is that someone: they try it in learnerG1's name instead.
		statement: (cast, who) =>
			who === 'learnerG'
				? (tx: Tx) =>
						tx`insert into public.resources (group_id, kind, title, url, added_by)
						   values (${cast.groups.G}, 'link', 'new', 'https://example.org/new', ${cast.people.learnerG1.id})`
				: share('G', 'someone else')(cast, who)
	});

	it('refuses a file row whose blob key points at another group’s bytes, for every reader', async () => {
		for (const who of readersOf('G')) {
			const before = await ownerDb()`select count(*)::int as n from public.resources`;
			const outcome = await attempt(
				actorOf(cast, who),
				(tx) => tx`
					insert into public.resources (id, group_id, kind, title, blob_key, filename, content_type, size_bytes, added_by)
					values (gen_random_uuid(), ${cast.groups.G}, 'file', 'stolen', ${`g/${cast.groups.H}/${links.H}`},
					        'x.pdf', 'application/pdf', 1, ${idOf(cast, who)})`,
				{ rollback: false }
			);
			expect(outcome, LABEL[who]).toEqual({ code: '23514' });
			expect(await ownerDb()`select count(*)::int as n from public.resources`).toEqual(before);
		}
	});

	const rename = () => (tx: Tx) =>
		tx`update public.resources set title = 'renamed' where id = ${links.G}`;
	changeMatrix({
		cast: getCast,
		table: 'resources',
		kind: 'update',
		action: 'rename the link a learner shared in G',
		// The sharer, G's leader (who moderates), and the admins.
		allowed: ['learnerG', 'leaderG', 'orgAdmin', 'platformAdmin'],
		denied: { anon: { code: '42501' } },
		statement: rename
	});
	changeMatrix({
		cast: getCast,
		table: 'resources',
		kind: 'update',
		action: 'move a link to another group',
		allowed: [],
		denied: Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }])),
		statement: (cast) => (tx) =>
			tx`update public.resources set group_id = ${cast.groups.H} where id = ${links.G}`
	});
	changeMatrix({
		cast: getCast,
		table: 'resources',
		kind: 'update',
		action: 'change who shared a link',
		allowed: [],
		denied: Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }])),
		statement: (cast) => (tx) =>
			tx`update public.resources set added_by = ${cast.people.leaderH.id} where id = ${links.G}`
	});
	changeMatrix({
		cast: getCast,
		table: 'resources',
		kind: 'delete',
		action: 'delete the link a learner shared in G',
		allowed: ['learnerG', 'leaderG', 'orgAdmin', 'platformAdmin'],
		statement: () => (tx) => tx`delete from public.resources where id = ${links.G}`
	});
	changeMatrix({
		cast: getCast,
		table: 'resources',
		kind: 'delete',
		action: 'delete the link shared in the hidden group',
		// The sharer is in it but cannot see it: only its leaders and admins.
		allowed: ['leaderG', 'orgAdmin', 'platformAdmin'],
		statement: () => (tx) => tx`delete from public.resources where id = ${links.Hid}`
	});

	it('stops a leader whose group takes away moderation from deleting what others shared', async () => {
		await ownerDb()`update public.groups set leaders_moderate = false where id = ${cast.groups.G}`;
		try {
			const outcome = await attempt(
				actorOf(cast, 'leaderG'),
				(tx) => tx`delete from public.resources where id = ${links.G}`,
				{ rollback: false }
			);
			expect(outcome).toEqual({ count: 0 });
		} finally {
			await ownerDb()`update public.groups set leaders_moderate = true where id = ${cast.groups.G}`;
		}
	});
});

describe('group_storage', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'storage rows',
		expected: Object.fromEntries(
			EVERYONE.map((who) => [who, READERS[who].includes('G') ? ['G'] : []])
		) as Record<Who, string[]>,
		visible: async (tx, cast) =>
			(await tx`select group_id from public.group_storage`).map((row) => cast.name(row.group_id))
	});
	changeMatrix({
		cast: getCast,
		table: 'group_storage',
		kind: 'update',
		action: 'raise G’s storage quota',
		allowed: ['orgAdmin', 'platformAdmin'],
		denied: { anon: { code: '42501' } },
		statement: (cast) => (tx) =>
			tx`update public.group_storage set quota_bytes = 5000000 where group_id = ${cast.groups.G}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_storage',
		kind: 'update',
		action: 'reset what G has used',
		allowed: [],
		denied: Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }])),
		statement: (cast) => (tx) =>
			tx`update public.group_storage set used_bytes = 0 where group_id = ${cast.groups.G}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_storage',
		kind: 'insert',
		action: 'set a quota for H',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`insert into public.group_storage (group_id, quota_bytes) values (${cast.groups.H}, 10)`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_storage',
		kind: 'delete',
		action: 'delete G’s storage row',
		allowed: [],
		statement: (cast) => (tx) =>
			tx`delete from public.group_storage where group_id = ${cast.groups.G}`
	});
});
