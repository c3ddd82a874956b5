import { beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Tx } from '$lib/server/db';
import { ownerDb } from '../helpers';
import {
	actorOf,
	changeMatrix,
	EVERYONE,
	LABEL,
	groupRlsCast,
	visibilityMatrix,
	type GroupCast,
	type Who
} from './group-matrix';

// Group sets (issue 13), acted out by the groups cast: course C (linked to cohort G, so learnerG,
// learnerG1, leaderG and leaderG1 are its learners; the instructor teaches it) has the grouping
// "Labs" (Lab A with learnerG in it; a member limit of 1) and an "Assign unassigned" run; the
// other organisation's course has "Foreign" with a run of its own.

type SetsCast = GroupCast & { labA: string; labs: string; foreign: string };

let cast: SetsCast;
const getCast = () => cast;
const runNames = new Map<string, string>();

async function courseGroup(courseId: string, name: string) {
	const [course] = await ownerDb()<{ organisation_id: string }[]>`
		select organisation_id from public.courses where id = ${courseId}`;
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name)
		values ('course', ${course.organisation_id}, ${courseId}, ${name}) returning id`;
	return row.id;
}

beforeAll(async () => {
	const base = await groupRlsCast();
	const labA = await courseGroup(base.course, 'Lab A');
	const [labs] = await ownerDb()<{ id: string }[]>`
		insert into public.groupings (course_id, name, signup_open, signup_size_limit)
		values (${base.course}, 'Labs', true, 1) returning id`;
	const [foreign] = await ownerDb()<{ id: string }[]>`
		insert into public.groupings (course_id, name) values (${base.foreignCourse}, 'Foreign') returning id`;
	await ownerDb()`insert into public.grouping_groups (grouping_id, group_id) values (${labs.id}, ${labA})`;
	await ownerDb()`
		insert into public.group_members (group_id, user_id) values (${labA}, ${base.people.learnerG.id})`;
	for (const [groupingId, name] of [
		[labs.id, 'Labs run'],
		[foreign.id, 'Foreign run']
	]) {
		const [run] = await ownerDb()<{ id: string }[]>`
			insert into public.grouping_assign_runs (grouping_id, requested_by, total)
			values (${groupingId}, ${base.people.instructor.id}, 400) returning id`;
		runNames.set(run.id, name);
	}
	// Self-enrolment with a course key and a key for Lab A; the foreign course has a key too.
	await ownerDb()`
		insert into public.course_self_enrolment (course_id, enabled) values (${base.course}, true), (${base.foreignCourse}, true)`;
	await ownerDb()`
		insert into public.course_enrolment_keys (course_id, group_id, key)
		values (${base.course}, null, 'course-key-C-2026'), (${base.course}, ${labA}, 'lab-key-A-2026'),
		       (${base.foreignCourse}, null, 'foreign-key-2026')`;
	cast = { ...base, labA, labs: labs.id, foreign: foreign.id };
});

const STAFF_OF_C = ['instructor', 'orgAdmin', 'platformAdmin'] as const satisfies readonly Who[];

describe('grouping_assign_runs', () => {
	visibilityMatrix({
		cast: getCast,
		what: '"Assign unassigned" runs',
		expected: {
			anon: [],
			learnerG: [],
			learnerG1: [],
			learnerH: [],
			leaderG: [],
			leaderG1: [],
			leaderH: [],
			outsider: [],
			instructor: ['Labs run'],
			otherOrgAdmin: ['Foreign run'],
			orgAdmin: ['Labs run'],
			platformAdmin: ['Labs run', 'Foreign run']
		},
		visible: async (tx) =>
			(await tx<{ id: string }[]>`select id from public.grouping_assign_runs`)
				.map((row) => runNames.get(row.id) ?? 'unknown')
				.filter((name) => name !== 'unknown')
	});

	changeMatrix({
		cast: getCast,
		table: 'grouping_assign_runs',
		kind: 'insert',
		action: 'queue a run for "Labs" as themselves',
		allowed: STAFF_OF_C,
		statement: (c) => (tx: Tx) =>
			tx`insert into public.grouping_assign_runs (grouping_id, requested_by, total)
			   values (${(c as SetsCast).labs}, (select auth.uid()), 10)`
	});

	changeMatrix({
		cast: getCast,
		table: 'grouping_assign_runs',
		kind: 'insert',
		action: "queue a run in a learner's name",
		allowed: [],
		statement: (c) => (tx: Tx) =>
			tx`insert into public.grouping_assign_runs (grouping_id, requested_by, total)
			   values (${(c as SetsCast).labs}, ${c.people.learnerG.id}, 10)`
	});

	changeMatrix({
		cast: getCast,
		table: 'grouping_assign_runs',
		kind: 'insert',
		action: 'insert a run that claims to be done already',
		allowed: [],
		statement: (c) => (tx: Tx) =>
			tx`insert into public.grouping_assign_runs (grouping_id, requested_by, status, processed, assigned)
			   values (${(c as SetsCast).labs}, (select auth.uid()), 'done', 10, 10)`
	});

	for (const who of EVERYONE) {
		it(`refuses ${LABEL[who]} any change to a run's progress, or its removal`, async () => {
			for (const statement of [
				(tx: Tx) => tx`update public.grouping_assign_runs set processed = 400, status = 'done'`,
				(tx: Tx) => tx`delete from public.grouping_assign_runs`
			]) {
				await expect(withUser(actorOf(cast, who), statement)).rejects.toMatchObject({
					code: '42501'
				});
			}
		});
	}
});

describe("a grouping's member limit at the database", () => {
	it('holds against a learner who signs up with the over-limit switch set', async () => {
		await expect(
			withUser(actorOf(cast, 'learnerG1'), async (tx) => {
				await tx`select set_config('tessera.over_limit', 'on', true)`;
				await tx`
					insert into public.group_members (group_id, user_id, role, source)
					values (${cast.labA}, (select auth.uid()), 'member', 'self')`;
			})
		).rejects.toMatchObject({ code: '23514', hint: 'grouping_full' });
		const [{ n }] = await ownerDb()<{ n: number }[]>`
			select count(*)::int as n from public.group_members where group_id = ${cast.labA}`;
		expect(n).toBe(1);
	});

	it('lets the instructor go over it with the switch, and not without', async () => {
		const learner = cast.people.learnerG1.id;
		const add = (overLimit: boolean) =>
			withUser(actorOf(cast, 'instructor'), async (tx) => {
				await tx`select set_config('tessera.over_limit', ${overLimit ? 'on' : 'off'}, true)`;
				await tx`
					insert into public.group_members (group_id, user_id) values (${cast.labA}, ${learner})`;
				throw new Error('roll back');
			});
		await expect(add(false)).rejects.toMatchObject({ hint: 'grouping_full' });
		await expect(add(true)).rejects.toThrow('roll back');
	});
});

describe('course_enrolment_keys', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'enrolment keys',
		expected: {
			anon: [],
			learnerG: [],
			learnerG1: [],
			learnerH: [],
			leaderG: [],
			leaderG1: [],
			leaderH: [],
			outsider: [],
			instructor: ['course-key-C-2026', 'lab-key-A-2026'],
			otherOrgAdmin: ['foreign-key-2026'],
			orgAdmin: ['course-key-C-2026', 'lab-key-A-2026'],
			platformAdmin: ['course-key-C-2026', 'lab-key-A-2026', 'foreign-key-2026']
		},
		visible: async (tx) =>
			(await tx<{ key: string }[]>`select key from public.course_enrolment_keys`).map(
				(row) => row.key
			)
	});

	changeMatrix({
		cast: getCast,
		table: 'course_enrolment_keys',
		kind: 'update',
		action: "change course C's key",
		allowed: STAFF_OF_C,
		statement: (c) => (tx: Tx) =>
			tx`update public.course_enrolment_keys set key = 'changed-key-2026'
			   where course_id = ${c.course} and group_id is null`
	});

	changeMatrix({
		cast: getCast,
		table: 'course_enrolment_keys',
		kind: 'delete',
		action: "remove Lab A's key",
		allowed: STAFF_OF_C,
		statement: (c) => (tx: Tx) =>
			tx`delete from public.course_enrolment_keys where group_id = ${(c as SetsCast).labA}`
	});

	changeMatrix({
		cast: getCast,
		table: 'course_enrolment_keys',
		kind: 'insert',
		action: 'add a key to a course of organisation O that nobody teaches',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (c) => (tx: Tx) =>
			tx`insert into public.course_enrolment_keys (course_id, key)
			   values (${c.spareCourse}, 'another-key-2026')`
	});
});

describe('course_self_enrolment', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'self-enrolment settings',
		expected: {
			anon: [],
			learnerG: [],
			learnerG1: [],
			learnerH: [],
			leaderG: [],
			leaderG1: [],
			leaderH: [],
			outsider: [],
			instructor: ['C'],
			otherOrgAdmin: ['foreign'],
			orgAdmin: ['C'],
			platformAdmin: ['C', 'foreign']
		},
		visible: async (tx, c) =>
			(await tx<{ course_id: string }[]>`select course_id from public.course_self_enrolment`)
				.map((row) =>
					row.course_id === c.course ? 'C' : row.course_id === c.foreignCourse ? 'foreign' : ''
				)
				.filter(Boolean)
	});

	changeMatrix({
		cast: getCast,
		table: 'course_self_enrolment',
		kind: 'update',
		action: "turn off course C's self-enrolment",
		allowed: STAFF_OF_C,
		statement: (c) => (tx: Tx) =>
			tx`update public.course_self_enrolment set enabled = false where course_id = ${c.course}`
	});

	it('lets a learner with forged claims learn no key from private.self_enrol, and enrol only with one', async () => {
		const outsider = cast.people.outsider.id;
		const answer = await withUser(
			actorOf(cast, 'outsider'),
			(tx) => tx`select * from private.self_enrol(${cast.course}, 'course-key-C-2027')`
		);
		expect(answer).toMatchObject([{ outcome: 'wrong_key', group_id: null }]);
		expect(JSON.stringify(answer)).not.toContain('course-key-C-2026');
		const [none] = await ownerDb()`
			select 1 from public.enrolments where course_id = ${cast.course} and user_id = ${outsider}`;
		expect(none).toBeUndefined();
		// A learner of the course cannot read the keys straight from the table either.
		const seen = await withUser(
			actorOf(cast, 'learnerG'),
			(tx) => tx`select key from public.course_enrolment_keys where course_id = ${cast.course}`
		);
		expect(seen).toHaveLength(0);
	});
});
