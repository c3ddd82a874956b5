import { beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '$lib/server/db';
import { withUser } from '$lib/server/db';
import { ownerDb } from '../helpers';
import {
	actorOf,
	changeMatrix,
	EVERYONE,
	groupRlsCast,
	LABEL,
	type GroupCast,
	type Who
} from './group-matrix';

// Changing a course link's target course group, and which groups a person may link, straight at
// the database with the claims the app sets. Link L enrols cohort G in course C (learnerG,
// learnerG1, learnerG1a, leaderG, leaderG1). Course C has the groups "Lab X" and "Lab Y"; the
// spare course of the organisation has "Spare lab"; "Platform scholars" is a scope-visible
// platform group and "Platform circle" a members-only one.

type EditCast = GroupCast & {
	labX: string;
	labY: string;
	spareLab: string;
	scholars: string;
	circle: string;
};
let cast: EditCast;
const getCast = () => cast;

async function group(values: Record<string, unknown>) {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groups ${ownerDb()(values)} returning id`;
	return row.id;
}

beforeAll(async () => {
	const base = await groupRlsCast();
	cast = {
		...base,
		labX: await group({
			scope: 'course',
			organisation_id: base.org,
			course_id: base.course,
			name: 'Lab X'
		}),
		labY: await group({
			scope: 'course',
			organisation_id: base.org,
			course_id: base.course,
			name: 'Lab Y'
		}),
		spareLab: await group({
			scope: 'course',
			organisation_id: base.org,
			course_id: base.spareCourse,
			name: 'Spare lab'
		}),
		scholars: await group({ scope: 'platform', name: 'Platform scholars', visibility: 'scope' }),
		circle: await group({ scope: 'platform', name: 'Platform circle' })
	};
});

const retarget = (target: (c: EditCast) => string | null) => (c: GroupCast) => (tx: Tx) =>
	tx`update public.course_group_links set target_group_id = ${target(c as EditCast)} where id = ${c.links.L}`;

describe('changing a link’s target course group', () => {
	changeMatrix({
		cast: getCast,
		table: 'course_group_links',
		kind: 'update',
		action: 'place the link’s people in Lab X of its course',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: retarget((c) => c.labX)
	});

	// A with-check failure is 42501 even on an update; those who may not touch the link match no row.
	const withCheck = { code: '42501' };
	changeMatrix({
		cast: getCast,
		table: 'course_group_links',
		kind: 'update',
		action: 'place the link’s people in a group of another course',
		allowed: [],
		denied: { instructor: withCheck, orgAdmin: withCheck, platformAdmin: withCheck },
		statement: retarget((c) => c.spareLab)
	});

	it('moves the link’s people at once, for the instructor straight at the database', async () => {
		const members = async (groupId: string) =>
			(
				await ownerDb()<{ user_id: string; source: string }[]>`
					select user_id, source from public.group_members where group_id = ${groupId}`
			).map((row) => `${cast.name(row.user_id)}:${row.source}`);
		await withUser(actorOf(cast, 'instructor'), (tx) => retarget((c) => c.labX)(cast)(tx));
		const linked = [
			'leaderG1:sync',
			'leaderG:sync',
			'learnerG1:sync',
			'learnerG1a:sync',
			'learnerG:sync'
		].sort();
		expect((await members(cast.labX)).filter((m) => !m.startsWith('unknown')).sort()).toEqual(
			linked
		);
		await withUser(actorOf(cast, 'instructor'), (tx) => retarget((c) => c.labY)(cast)(tx));
		expect(await members(cast.labX)).toEqual([]);
		expect((await members(cast.labY)).filter((m) => !m.startsWith('unknown')).sort()).toEqual(
			linked
		);
		await withUser(actorOf(cast, 'instructor'), (tx) => retarget(() => null)(cast)(tx));
		expect(await members(cast.labY)).toEqual([]);
	});
});

describe('which groups a person may link to the course (public.may_link_to_course)', () => {
	const expected: Record<Exclude<Who, 'anon'>, string[]> = {
		learnerG: [],
		learnerG1: [],
		learnerH: [],
		leaderG: [],
		leaderG1: [],
		leaderH: [],
		outsider: [],
		otherOrgAdmin: [],
		instructor: ['R', 'S', 'P', 'scholars'],
		orgAdmin: ['G', 'G1', 'G1a', 'H', 'Hid', 'R', 'Hs', 'Hn', 'S', 'Own', 'P', 'Pm', 'scholars'],
		platformAdmin: [
			'G',
			'G1',
			'G1a',
			'H',
			'Hid',
			'R',
			'Hs',
			'Hn',
			'S',
			'Own',
			'P',
			'Pm',
			'scholars',
			'circle'
		]
	};
	const mayLink = async (tx: Tx, c: GroupCast) => {
		const ec = c as EditCast;
		const names = new Map<string, string>([
			[ec.scholars, 'scholars'],
			[ec.circle, 'circle'],
			[ec.labX, 'labX']
		]);
		const ids = [...Object.values(c.groups), ec.scholars, ec.circle, ec.labX];
		const [{ allowed }] = await tx<{ allowed: string[] }[]>`
				select public.may_link_to_course(${c.course}, ${ids}::uuid[])::text[] as allowed`;
		return allowed.map((id) => names.get(id) ?? c.name(id));
	};
	for (const who of EVERYONE) {
		if (who === 'anon') {
			it('refuses an anonymous visitor the question (not granted to anon)', async () => {
				await expect(withUser(null, (tx) => mayLink(tx, cast))).rejects.toMatchObject({
					code: '42501'
				});
			});
			continue;
		}
		it(`lets ${LABEL[who]} link ${expected[who].length === 0 ? 'nothing' : expected[who].join(', ')}`, async () => {
			const seen = await withUser(actorOf(cast, who), (tx) => mayLink(tx, cast));
			expect([...seen].sort()).toEqual([...expected[who]].sort());
		});
	}
});
