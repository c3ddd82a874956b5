import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '$lib/server/db';
import { createCourse, ownerDb } from '../helpers';
import {
	actorOf,
	changeMatrix,
	expectRefused,
	groupRlsCast,
	visibilityMatrix,
	type GroupCast,
	type Who
} from './group-matrix';

// Groupings, grouping_groups, self sign-up and separate group mode, acted out by the groups
// cast. Course C is linked to cohort G, so G's people (learnerG, learnerG1, leaderG, leaderG1)
// are C's learners; learnerH, leaderH and the outsider are not in C; the instructor teaches C.
// In C: Lab A (learnerG), Lab B (empty) in the open, exclusive grouping "Labs"; a hidden
// "Staff room" in the closed grouping "Staff"; "Later" opens for sign-up in 2099. The other
// organisation's course has a grouping "Foreign".

type CourseCast = GroupCast & {
	labA: string;
	labB: string;
	staffRoom: string;
	later: string;
	labs: string;
	staffGrouping: string;
	laterGrouping: string;
	foreignGrouping: string;
	foreignGroup: string;
};

let cast: CourseCast;
const getCast = () => cast;
const names = new Map<string, string>();
const nameOf = (id: string) => names.get(id) ?? cast.name(id);

async function courseGroup(courseId: string, name: string, visibility = 'members') {
	const [course] = await ownerDb()<{ organisation_id: string }[]>`
		select organisation_id from public.courses where id = ${courseId}`;
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name, visibility)
		values ('course', ${course.organisation_id}, ${courseId}, ${name}, ${visibility}) returning id`;
	names.set(row.id, name);
	return row.id;
}

async function grouping(courseId: string, name: string, extra: Record<string, unknown> = {}) {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groupings ${ownerDb()({ course_id: courseId, name, ...extra })} returning id`;
	names.set(row.id, name);
	return row.id;
}

beforeAll(async () => {
	const base = await groupRlsCast();
	const labA = await courseGroup(base.course, 'Lab A');
	const labB = await courseGroup(base.course, 'Lab B');
	const staffRoom = await courseGroup(base.course, 'Staff room', 'hidden');
	const later = await courseGroup(base.course, 'Later');
	const labs = await grouping(base.course, 'Labs', {
		exclusive: true,
		signup_open: true,
		signup_size_limit: 5
	});
	const staffGrouping = await grouping(base.course, 'Staff');
	const laterGrouping = await grouping(base.course, 'Later sign-up', {
		signup_open: true,
		signup_opens_at: new Date('2099-01-01T00:00:00Z')
	});
	const foreignGroup = await courseGroup(base.foreignCourse, 'Foreign lab');
	const foreignGrouping = await grouping(base.foreignCourse, 'Foreign');
	await ownerDb()`
		insert into public.grouping_groups (grouping_id, group_id)
		values (${labs}, ${labA}), (${labs}, ${labB}), (${staffGrouping}, ${staffRoom}),
		       (${laterGrouping}, ${later}), (${foreignGrouping}, ${foreignGroup})`;
	await ownerDb()`
		insert into public.group_members (group_id, user_id) values (${labA}, ${base.people.learnerG.id})`;
	cast = {
		...base,
		labA,
		labB,
		staffRoom,
		later,
		labs,
		staffGrouping,
		laterGrouping,
		foreignGrouping,
		foreignGroup
	};
});

const STAFF_OF_C = ['instructor', 'orgAdmin', 'platformAdmin'] as const satisfies readonly Who[];
const LEARNERS_OF_C = ['learnerG', 'learnerG1', 'leaderG', 'leaderG1'] as const;

describe('groupings', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'groupings',
		expected: {
			anon: [],
			learnerG: ['Labs', 'Staff', 'Later sign-up'],
			learnerG1: ['Labs', 'Staff', 'Later sign-up'],
			learnerH: [],
			leaderG: ['Labs', 'Staff', 'Later sign-up'],
			leaderG1: ['Labs', 'Staff', 'Later sign-up'],
			leaderH: [],
			outsider: [],
			instructor: ['Labs', 'Staff', 'Later sign-up'],
			otherOrgAdmin: ['Foreign'],
			orgAdmin: ['Labs', 'Staff', 'Later sign-up'],
			platformAdmin: ['Labs', 'Staff', 'Later sign-up', 'Foreign']
		},
		visible: async (tx) =>
			(await tx`select id from public.groupings`)
				.map((r) => nameOf(r.id))
				.filter((name) => !name.startsWith('unknown'))
	});

	changeMatrix({
		cast: getCast,
		table: 'groupings',
		kind: 'insert',
		action: 'create a grouping in course C',
		allowed: STAFF_OF_C,
		statement: (c) => (tx: Tx) =>
			tx`insert into public.groupings (course_id, name) values (${c.course}, 'New grouping')`
	});
	changeMatrix({
		cast: getCast,
		table: 'groupings',
		kind: 'update',
		action: 'rename and open the grouping "Staff"',
		allowed: STAFF_OF_C,
		statement: (c) => (tx: Tx) =>
			tx`update public.groupings set name = 'Renamed', signup_open = true where id = ${(c as CourseCast).staffGrouping}`
	});
	changeMatrix({
		cast: getCast,
		table: 'groupings',
		kind: 'delete',
		action: 'delete the grouping "Labs"',
		allowed: STAFF_OF_C,
		statement: (c) => (tx: Tx) =>
			tx`delete from public.groupings where id = ${(c as CourseCast).labs}`
	});

	it('lets nobody move a grouping to another course', async () => {
		await expectRefused(
			actorOf(cast, 'platformAdmin'),
			(tx) =>
				tx`update public.groupings set course_id = ${cast.foreignCourse} where id = ${cast.labs}`,
			{ code: '42501' },
			['groupings']
		);
	});
});

describe('grouping_groups', () => {
	const all = ['Labs:Lab A', 'Labs:Lab B', 'Staff:Staff room', 'Later sign-up:Later'];
	const learnerView = ['Labs:Lab A', 'Labs:Lab B', 'Later sign-up:Later'];
	visibilityMatrix({
		cast: getCast,
		what: 'grouping memberships of groups',
		expected: {
			anon: [],
			learnerG: learnerView,
			learnerG1: learnerView,
			learnerH: [],
			leaderG: learnerView,
			leaderG1: learnerView,
			leaderH: [],
			outsider: [],
			instructor: all,
			otherOrgAdmin: ['Foreign:Foreign lab'],
			orgAdmin: all,
			platformAdmin: [...all, 'Foreign:Foreign lab']
		},
		visible: async (tx) =>
			(await tx`select grouping_id, group_id from public.grouping_groups`)
				.map((r) => `${nameOf(r.grouping_id)}:${nameOf(r.group_id)}`)
				.filter((name) => !name.includes('unknown'))
	});

	changeMatrix({
		cast: getCast,
		table: 'grouping_groups',
		kind: 'insert',
		action: 'put the Staff room in "Labs"',
		allowed: STAFF_OF_C,
		statement: (c) => (tx: Tx) =>
			tx`insert into public.grouping_groups (grouping_id, group_id) values (${(c as CourseCast).labs}, ${(c as CourseCast).staffRoom})`
	});
	changeMatrix({
		cast: getCast,
		table: 'grouping_groups',
		kind: 'delete',
		action: 'take Lab B out of "Labs"',
		allowed: STAFF_OF_C,
		statement: (c) => (tx: Tx) =>
			tx`delete from public.grouping_groups where grouping_id = ${(c as CourseCast).labs} and group_id = ${(c as CourseCast).labB}`
	});

	it('refuses a group of another course, even from a platform admin', async () => {
		await expectRefused(
			actorOf(cast, 'platformAdmin'),
			(tx) =>
				tx`insert into public.grouping_groups (grouping_id, group_id) values (${cast.labs}, ${cast.foreignGroup})`,
			{ code: '23514' },
			['grouping_groups']
		);
	});

	it('refuses a group of its own organisation that is not a course group', async () => {
		await expectRefused(
			actorOf(cast, 'orgAdmin'),
			(tx) =>
				tx`insert into public.grouping_groups (grouping_id, group_id) values (${cast.labs}, ${cast.groups.G})`,
			{ code: '23514' },
			['grouping_groups']
		);
	});
});

describe('course groups a learner may see', () => {
	// Lab A and Lab B are listed for sign-up, Later too (its dates only stop joining); the hidden
	// Staff room is staff only. Lab A is learnerG's own group.
	const listed = ['Lab A', 'Lab B', 'Later'];
	const all = ['Lab A', 'Lab B', 'Staff room', 'Later'];
	visibilityMatrix({
		cast: getCast,
		what: 'course groups of C',
		expected: {
			anon: [],
			learnerG: listed,
			learnerG1: listed,
			learnerH: [],
			leaderG: listed,
			leaderG1: listed,
			leaderH: [],
			outsider: [],
			instructor: all,
			otherOrgAdmin: [],
			orgAdmin: all,
			platformAdmin: all
		},
		visible: async (tx, c) =>
			(await tx`select id from public.groups where course_id = ${c.course}`).map((r) =>
				nameOf(r.id)
			)
	});
});

describe('self sign-up (group_members)', () => {
	const signUp = (group: 'labB' | 'staffRoom' | 'later') => (c: GroupCast) => (tx: Tx) =>
		tx`insert into public.group_members (group_id, user_id, role, source)
		   values (${(c as CourseCast)[group]}, (select auth.uid()), 'member', 'self')`;

	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'sign themselves up to Lab B of the open grouping',
		allowed: [...LEARNERS_OF_C, ...STAFF_OF_C],
		statement: signUp('labB')
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'sign themselves up to the Staff room (grouping closed to sign-up)',
		allowed: STAFF_OF_C,
		statement: signUp('staffRoom')
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'sign themselves up before the grouping opens (2099)',
		allowed: STAFF_OF_C,
		statement: signUp('later')
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'sign themselves up to Lab B as its leader',
		allowed: STAFF_OF_C,
		statement: (c) => (tx: Tx) =>
			tx`insert into public.group_members (group_id, user_id, role, source)
			   values (${(c as CourseCast).labB}, (select auth.uid()), 'leader', 'self')`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'sign learnerG1 up to Lab B (learnerG1 alone may do it for themselves)',
		allowed: ['learnerG1', ...STAFF_OF_C],
		statement: (c) => (tx: Tx) =>
			tx`insert into public.group_members (group_id, user_id, role, source)
			   values (${(c as CourseCast).labB}, ${c.people.learnerG1.id}, 'member', 'self')`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'delete',
		action: "remove learnerG's sign-up to Lab A",
		allowed: ['learnerG', ...STAFF_OF_C],
		statement: (c) => (tx: Tx) =>
			tx`delete from public.group_members where group_id = ${(c as CourseCast).labA} and user_id = ${c.people.learnerG.id}`
	});

	it('moves learnerG out of Lab A when they sign up to Lab B of the exclusive grouping', async () => {
		const { withUser } = await import('$lib/server/db');
		let moved: string | null = null;
		await withUser(actorOf(cast, 'learnerG'), async (tx) => {
			await tx`insert into public.group_members (group_id, user_id, role, source)
			         values (${cast.labB}, ${cast.people.learnerG.id}, 'member', 'self')`;
			[{ moved }] = await tx<{ moved: string | null }[]>`
				select current_setting('tessera.moved_from', true) as moved`;
			const rows =
				await tx`select group_id from public.group_members where user_id = ${cast.people.learnerG.id}
			                      and group_id in (${cast.labA}, ${cast.labB})`;
			expect(rows.map((r) => nameOf(r.group_id))).toEqual(['Lab B']);
			throw new Error('rollback');
		}).catch((error: Error) => {
			if (error.message !== 'rollback') throw error;
		});
		expect(moved).toBe('Lab A');
	});

	it('refuses a staff add of learnerG to Lab B, naming Lab A, and changes nothing', async () => {
		await expectRefused(
			actorOf(cast, 'instructor'),
			(tx) =>
				tx`insert into public.group_members (group_id, user_id) values (${cast.labB}, ${cast.people.learnerG.id})`,
			{ code: '23514' },
			['group_members']
		);
	});
});

describe('trigger helpers', () => {
	it('cannot be called by people: no moves, leaders or exclusivity reports by hand', async () => {
		for (const call of [
			(tx: Tx) =>
				tx`select private.enforce_exclusive(array[${cast.labB}::uuid], array[${cast.people.learnerG.id}::uuid], array['self'])`,
			(tx: Tx) => tx`select private.ensure_auto_leaders(array[${cast.labA}::uuid])`,
			(tx: Tx) => tx`select private.groupings_check_exclusive(${cast.labs}::uuid)`,
			(tx: Tx) =>
				tx`select private.is_course_staff(${cast.course}::uuid, ${cast.people.instructor.id}::uuid)`
		]) {
			await expectRefused(actorOf(cast, 'learnerG1'), call, { code: '42501' }, ['group_members']);
		}
	});
});

describe('separate group mode (enrolments)', () => {
	beforeAll(async () => {
		await ownerDb()`update public.courses set group_mode = 'separate' where id = ${cast.course}`;
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${cast.labA}, ${cast.people.leaderG.id})`;
	});
	afterAll(async () => {
		await ownerDb()`update public.courses set group_mode = 'none' where id = ${cast.course}`;
		await ownerDb()`delete from public.group_members where group_id = ${cast.labA} and user_id = ${cast.people.leaderG.id}`;
	});

	const everyoneInC = ['learnerG', 'learnerG1', 'learnerG1a', 'leaderG', 'leaderG1', 'instructor'];
	visibilityMatrix({
		cast: getCast,
		what: 'enrolments of C',
		expected: {
			anon: [],
			// learnerG shares Lab A with leaderG; learnerG1 shares no course group with anyone.
			learnerG: ['learnerG', 'leaderG', 'instructor'],
			learnerG1: ['learnerG1', 'instructor'],
			learnerH: [],
			// Leaders also see the people they lead (progress follows them): not limited by the mode.
			leaderG: ['learnerG', 'leaderG', 'instructor', 'learnerG1', 'learnerG1a'],
			leaderG1: ['leaderG1', 'instructor', 'learnerG1', 'learnerG1a'],
			leaderH: [],
			outsider: [],
			instructor: everyoneInC,
			otherOrgAdmin: [],
			orgAdmin: everyoneInC,
			platformAdmin: everyoneInC
		},
		visible: async (tx, c) => {
			const [learnerG1a] = await ownerDb()<{ id: string }[]>`
				select m.user_id as id from public.group_members m where m.group_id = ${c.groups.G1a} limit 1`;
			return (await tx`select user_id from public.enrolments where course_id = ${c.course}`).map(
				(r) => (r.user_id === learnerG1a?.id ? 'learnerG1a' : nameOf(r.user_id))
			);
		}
	});

	it('leaves a course in "none" mode open to all its active learners', async () => {
		const other = await createCourse(cast.org);
		const { withUser } = await import('$lib/server/db');
		await ownerDb()`insert into public.enrolments (course_id, user_id) values (${other.id}, ${cast.people.learnerH.id}), (${other.id}, ${cast.people.leaderH.id})`;
		const seen = await withUser(
			actorOf(cast, 'learnerH'),
			(tx) => tx`select user_id from public.enrolments where course_id = ${other.id}`
		);
		expect(seen).toHaveLength(2);
	});
});
