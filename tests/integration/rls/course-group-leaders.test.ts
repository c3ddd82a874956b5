import { beforeAll, describe, expect, it } from 'vitest';
import { readAs } from '$lib/server/db';
import * as dashboard from '$lib/server/dashboard';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from '../helpers';

/**
 * Tom takes courses A and B, Lea course A only. In A they are a team (course group "Team 1", which lets its
 * leaders see progress): Lea is its automatic leader, Tom a member. Mo leads cohort "Mentees"
 * (an organisation group), where Tom is a member. Tom has a completion and a course view in
 * both courses. A course group's leader follows its learners in that course only; a cohort's
 * leader follows them everywhere.
 */
let lea: TestUser;
let tom: TestUser;
let mo: TestUser;
let a: { id: string };
let b: { id: string };
let team: { id: string };
let mentees: { id: string };

beforeAll(async () => {
	const org = await createOrganisation();
	a = await createCourse(org.id);
	b = await createCourse(org.id);
	[lea, tom, mo] = await Promise.all([
		createUser({ name: 'Lea Leader' }),
		createUser({ name: 'Tom Teammate' }),
		createUser({ name: 'Mo Mentor' })
	]);
	for (const person of [lea, tom, mo]) await addOrganisationMember(org.id, person.id);
	await enrol(a.id, lea.id);
	await enrol(a.id, tom.id);
	await enrol(b.id, tom.id);
	const db = ownerDb();
	[team] = await db<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name)
		values ('course', ${org.id}, ${a.id}, 'Team 1') returning id`;
	await db`
		insert into public.group_members (group_id, user_id, role, source)
		values (${team.id}, ${lea.id}, 'leader', 'auto'), (${team.id}, ${tom.id}, 'member', 'self')`;
	[mentees] = await db<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, name, kind)
		values ('organisation', ${org.id}, 'Mentees', 'cohort') returning id`;
	await db`
		insert into public.group_members (group_id, user_id, role)
		values (${mentees.id}, ${mo.id}, 'leader'), (${mentees.id}, ${tom.id}, 'member')`;
	for (const course of [a, b]) {
		const [activity] = await db<{ id: string }[]>`
			insert into public.activities (course_id, title) values (${course.id}, 'Week 1') returning id`;
		await db`
			insert into public.completions (activity_id, user_id, course_id, completed_at, source)
			values (${activity.id}, ${tom.id}, ${course.id}, now(), 'self')`;
		await db`
			insert into public.learner_events (user_id, course_id, kind)
			values (${tom.id}, ${course.id}, 'course_view')`;
	}
});

/** The courses in which `viewer` sees Tom's enrolment, completions and events. */
async function tomSeenBy(viewer: TestUser) {
	return readAs(actor(viewer), async (tx) => {
		const courses = (rows: { course_id: string }[]) =>
			rows.map((row) => (row.course_id === a.id ? 'A' : row.course_id === b.id ? 'B' : '?')).sort();
		return {
			enrolments: courses(
				await tx`select course_id from public.enrolments where user_id = ${tom.id}`
			),
			completions: courses(
				await tx`select course_id from public.completions where user_id = ${tom.id}`
			),
			events: courses(
				await tx`select course_id from public.learner_events where user_id = ${tom.id}`
			)
		};
	});
}

describe('leaders follow their learners', () => {
	it('a course group’s leader (a learner here) in that course only', async () => {
		expect(await tomSeenBy(lea)).toEqual({
			enrolments: ['A'],
			completions: ['A'],
			events: ['A']
		});
	});

	it('a cohort’s leader in every course', async () => {
		expect(await tomSeenBy(mo)).toEqual({
			enrolments: ['A', 'B'],
			completions: ['A', 'B'],
			events: ['A', 'B']
		});
	});

	it('nobody once the course group stops letting its leaders see progress', async () => {
		await ownerDb()`update public.groups set leaders_see_progress = false where id = ${team.id}`;
		try {
			// A fellow participant of A still sees Tom enrolled there, nothing of his progress.
			expect(await tomSeenBy(lea)).toEqual({ enrolments: ['A'], completions: [], events: [] });
		} finally {
			await ownerDb()`update public.groups set leaders_see_progress = true where id = ${team.id}`;
		}
	});

	it('the team dashboard shows the leader their teammate in the group’s course alone', async () => {
		const rows = await readAs(actor(lea), (tx) => tx`${dashboard.rowsSql(tx, team.id, null)}`);
		expect(rows.map((row) => [row.userId, row.courseId])).toEqual([[tom.id, a.id]]);
		const cohort = await readAs(actor(mo), (tx) => tx`${dashboard.rowsSql(tx, mentees.id, null)}`);
		expect(cohort.map((row) => row.courseId).sort()).toEqual([a.id, b.id].sort());
	});
});
