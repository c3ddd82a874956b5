import { beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Tx } from '$lib/server/db';
import { ownerDb } from '../helpers';
import {
	actorOf,
	changeMatrix,
	EVERYONE,
	groupRlsCast,
	idOf,
	LABEL,
	visibilityMatrix,
	type GroupCast,
	type Who
} from './group-matrix';

// Announcements, views and deliveries, acted out by everyone in the groups cast. In G: one
// published, one scheduled for tomorrow, one to G's sub-groups too; in the hidden sub-group Hid
// one; in H one. learnerG has seen G's.

let cast: GroupCast;
let ids: Record<string, string>;
const getCast = () => cast;

beforeAll(async () => {
	cast = await groupRlsCast();
	ids = {};
	const seeds: [string, keyof GroupCast['groups'], string, boolean][] = [
		['G', 'G', "now() - interval '1 hour'", false],
		['G-later', 'G', "now() + interval '1 day'", false],
		['G-sub', 'G', "now() - interval '1 hour'", true],
		['Hid', 'Hid', "now() - interval '1 hour'", false],
		['H', 'H', "now() - interval '1 hour'", false]
	];
	for (const [title, group, at, sub] of seeds) {
		const [row] = await ownerDb().unsafe(
			`insert into public.announcements (group_id, author_id, title, body, include_subgroups, publish_at)
			 values ($1, $2, $3, 'body', $4, ${at}) returning id`,
			[cast.groups[group], cast.people.orgAdmin.id, title, sub]
		);
		ids[title] = row.id;
	}
	await ownerDb()`insert into public.announcement_views (announcement_id, user_id) values (${ids.G}, ${cast.people.learnerG.id})`;
	await ownerDb()`insert into public.announcement_deliveries (announcement_id, user_id) values (${ids.G}, ${cast.people.learnerG.id})`;
});

const PUBLISHED_G = ['G', 'G-sub'];
const ALL_G = ['G', 'G-later', 'G-sub'];
const SEEN: Record<Who, string[]> = {
	anon: [],
	learnerG: PUBLISHED_G,
	// In the hidden group too, which they cannot see: not its announcements.
	learnerG1: PUBLISHED_G,
	learnerH: ['H'],
	// G's leader posts in G: the scheduled one too.
	leaderG: [...ALL_G, 'Hid'],
	leaderG1: PUBLISHED_G,
	leaderH: ['H'],
	outsider: [],
	instructor: [],
	otherOrgAdmin: [],
	orgAdmin: [...ALL_G, 'Hid', 'H'],
	platformAdmin: [...ALL_G, 'Hid', 'H']
};

const ANNOUNCERS_OF_G: Who[] = ['leaderG', 'orgAdmin', 'platformAdmin'];

describe('announcements', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'announcements',
		expected: SEEN,
		visible: async (tx) =>
			(await tx`select title from public.announcements`).map((row) => row.title)
	});

	const post =
		(overrides: { author?: 'someone else'; published?: boolean } = {}) =>
		(cast: GroupCast, who: Who) =>
		(tx: Tx) =>
			tx`insert into public.announcements (group_id, author_id, title, body, published_at)
			   values (${cast.groups.G},
			           ${overrides.author ? (who === 'leaderG' ? cast.people.orgAdmin.id : cast.people.leaderG.id) : idOf(cast, who)},
			           'New', 'body', ${overrides.published ? new Date() : null})`;
	changeMatrix({
		cast: getCast,
		table: 'announcements',
		kind: 'insert',
		action: 'post an announcement in G',
		allowed: ANNOUNCERS_OF_G,
		statement: post()
	});
	changeMatrix({
		cast: getCast,
		table: 'announcements',
		kind: 'insert',
		action: 'post an announcement in G in someone else’s name',
		allowed: [],
		statement: post({ author: 'someone else' })
	});
	changeMatrix({
		cast: getCast,
		table: 'announcements',
		kind: 'insert',
		action: 'post an announcement that claims to be published already',
		allowed: [],
		statement: post({ published: true })
	});

	it('stops G’s leader posting once G takes the power away, and lets the admin still post', async () => {
		await ownerDb()`update public.groups set leaders_post_announcements = false where id = ${cast.groups.G}`;
		try {
			for (const [who, allowed] of [
				['leaderG', false],
				['orgAdmin', true]
			] as const) {
				const outcome = await withUser(actorOf(cast, who), async (tx) => {
					try {
						await tx`savepoint s`;
						await post()(cast, who)(tx);
						await tx`rollback to savepoint s`;
						return 'posted';
					} catch (error) {
						return (error as { code: string }).code;
					}
				});
				expect(outcome, LABEL[who]).toBe(allowed ? 'posted' : '42501');
			}
		} finally {
			await ownerDb()`update public.groups set leaders_post_announcements = true where id = ${cast.groups.G}`;
		}
	});

	changeMatrix({
		cast: getCast,
		table: 'announcements',
		kind: 'update',
		action: 'pin G’s announcement',
		allowed: ANNOUNCERS_OF_G,
		denied: { anon: { code: '42501' } },
		statement: () => (tx) => tx`update public.announcements set pinned = true where id = ${ids.G}`
	});
	changeMatrix({
		cast: getCast,
		table: 'announcements',
		kind: 'update',
		action: 'edit the title and text of G’s announcement',
		allowed: ANNOUNCERS_OF_G,
		denied: { anon: { code: '42501' } },
		statement: () => (tx) =>
			tx`update public.announcements set title = 'Changed', body = 'Changed.' where id = ${ids.G}`
	});
	changeMatrix({
		cast: getCast,
		table: 'announcements',
		kind: 'update',
		action: 'reschedule G’s scheduled announcement',
		allowed: ANNOUNCERS_OF_G,
		denied: { anon: { code: '42501' } },
		statement: () => (tx) =>
			tx`update public.announcements set publish_at = now() + interval '2 days' where id = ${ids['G-later']}`
	});
	changeMatrix({
		cast: getCast,
		table: 'announcements',
		kind: 'update',
		action: 'stamp G’s announcement edited (only the edit check does)',
		allowed: [],
		denied: Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }])),
		statement: () => (tx) =>
			tx`update public.announcements set edited_at = now() - interval '1 year' where id = ${ids.G}`
	});

	it('stamps an edit of a published announcement, and refuses to reschedule it or to go back in time', async () => {
		const [published] = await ownerDb()<{ id: string }[]>`
			insert into public.announcements (group_id, author_id, title, body, published_at)
			values (${cast.groups.G}, ${cast.people.orgAdmin.id}, 'Out already', 'body', now())
			returning id`;
		try {
			for (const [id, at, hint] of [
				[published.id, "now() + interval '1 day'", 'published'],
				[ids['G-later'], "now() - interval '1 minute'", 'past']
			] as const) {
				const outcome = await withUser(actorOf(cast, 'leaderG'), (tx) =>
					tx.unsafe(`update public.announcements set publish_at = ${at} where id = $1`, [id])
				).catch((error: { code: string; hint: string }) => ({
					code: error.code,
					hint: error.hint
				}));
				expect(outcome).toEqual({ code: '23514', hint });
			}
			const [stamped] = await withUser(
				actorOf(cast, 'leaderG'),
				(tx) => tx<{ edited: boolean }[]>`
					update public.announcements set body = 'Edited.' where id = ${published.id}
					returning edited_at is not null as edited`
			);
			expect(stamped).toEqual({ edited: true });
		} finally {
			await ownerDb()`delete from public.announcements where id = ${published.id}`;
		}
	});

	changeMatrix({
		cast: getCast,
		table: 'announcements',
		kind: 'update',
		action: 'move G’s announcement to H or mark it published',
		allowed: [],
		denied: Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }])),
		statement: (cast) => (tx) =>
			tx`update public.announcements set group_id = ${cast.groups.H}, published_at = now() where id = ${ids.G}`
	});
	changeMatrix({
		cast: getCast,
		table: 'announcements',
		kind: 'delete',
		action: 'delete G’s announcement',
		allowed: ANNOUNCERS_OF_G,
		statement: () => (tx) => tx`delete from public.announcements where id = ${ids.G}`
	});
});

describe('announcement_views', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'views',
		expected: Object.fromEntries(
			EVERYONE.map((who) => [
				who,
				who === 'learnerG' || ANNOUNCERS_OF_G.includes(who) ? ['learnerG'] : []
			])
		) as Record<Who, string[]>,
		visible: async (tx, cast) =>
			(await tx`select user_id from public.announcement_views`).map((row) => cast.name(row.user_id))
	});
	changeMatrix({
		cast: getCast,
		table: 'announcement_views',
		kind: 'insert',
		action: 'mark G’s announcement seen',
		// Everyone who reads it; learnerG has already seen it.
		allowed: EVERYONE.filter((who) => SEEN[who].includes('G') && who !== 'learnerG'),
		denied: { learnerG: { code: '23505' } },
		statement: (cast, who) => (tx) =>
			tx`insert into public.announcement_views (announcement_id, user_id) values (${ids.G}, ${idOf(cast, who)})`
	});
	changeMatrix({
		cast: getCast,
		table: 'announcement_views',
		kind: 'insert',
		action: 'mark the scheduled announcement seen before it is out',
		allowed: [],
		statement: (cast, who) => (tx) =>
			tx`insert into public.announcement_views (announcement_id, user_id) values (${ids['G-later']}, ${idOf(cast, who)})`
	});
	changeMatrix({
		cast: getCast,
		table: 'announcement_views',
		kind: 'insert',
		action: 'mark an announcement seen for someone else',
		allowed: [],
		statement: (cast, who) => (tx) =>
			tx`insert into public.announcement_views (announcement_id, user_id)
			   values (${ids['G-sub']}, ${who === 'learnerG1' ? cast.people.learnerG.id : cast.people.learnerG1.id})`
	});
	changeMatrix({
		cast: getCast,
		table: 'announcement_views',
		kind: 'delete',
		action: 'erase a view',
		allowed: [],
		statement: () => (tx) =>
			tx`delete from public.announcement_views where announcement_id = ${ids.G}`
	});
});

describe('announcement_deliveries', () => {
	for (const who of EVERYONE) {
		it(`keeps the email log from ${LABEL[who]}`, async () => {
			const outcome = await withUser(actorOf(cast, who), async (tx) => {
				try {
					await tx`select * from public.announcement_deliveries`;
					return 'read';
				} catch (error) {
					return (error as { code: string }).code;
				}
			});
			expect(outcome).toBe('42501');
		});
	}
});
