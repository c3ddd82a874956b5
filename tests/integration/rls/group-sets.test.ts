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
