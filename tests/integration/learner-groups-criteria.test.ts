import { beforeAll, describe, expect, it } from 'vitest';
import * as groups from '$lib/server/groups';
import * as learnerGroups from '$lib/server/learner-groups';
import * as progress from '$lib/server/progress';
import type { CriterionInput as Criterion } from '$lib/schemas/learner-groups';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';

const DAY = 24 * 60 * 60 * 1000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

let instructor: TestUser;
let course: { id: string };
let people: Record<'ann' | 'bob' | 'cat' | 'dan' | 'eve' | 'frank', TestUser>;
let R: { id: string };
let A1: string;
let A2: string;
let A3: string;

async function setEnrolledAt(userId: string, days: number) {
	await ownerDb()`
		update public.enrolments set enrolled_at = ${ago(days)} where course_id = ${course.id} and user_id = ${userId}`;
}

async function completion(
	activityId: string,
	userId: string,
	days: number | null,
	score: number | null = null
) {
	await ownerDb()`
		insert into public.completions (activity_id, user_id, course_id, completed_at, score, scored_at, source)
		values (${activityId}, ${userId}, ${course.id}, ${days === null ? null : ago(days)}, ${score},
		        ${score === null ? null : ago(days ?? 1)}, 'staff')`;
}

/**
 * The fixed course: activities A1, A2 open to all and A3 restricted to course group R.
 *   ann   learner, active,    enrolled 300 d ago, in R, completed A1 1 d ago scoring 80 (1 of 3 = 33.3 %)
 *   bob   learner, active,    enrolled 100 d ago, completed A1 and A2 20 d ago, A2 scored 40 (2 of 2)
 *   cat   learner, suspended, enrolled 200 d ago, viewed the course 2 d ago (0 of 2)
 *   dan   learner, active,    enrolled 250 d ago, a completion of A3 30 d ago that he cannot see (0 of 2)
 *   eve   assistant, active,  enrolled 50 d ago
 *   frank learner, active,    enrolled 5 d ago, nothing yet
 */
beforeAll(async () => {
	const org = await createOrganisation();
	course = await createCourse(org.id);
	// Staff through the organisation, not an enrolment: the criteria see enrolments only.
	instructor = await createUser({ name: 'Org admin' });
	await addOrganisationMember(org.id, instructor.id, 'admin');
	people = {} as typeof people;
	for (const name of ['ann', 'bob', 'cat', 'dan', 'eve', 'frank'] as const) {
		people[name] = await createUser({ name });
		await addOrganisationMember(org.id, people[name].id);
	}
	await enrol(course.id, people.ann.id);
	await enrol(course.id, people.bob.id);
	await enrol(course.id, people.cat.id, 'learner', 'suspended');
	await enrol(course.id, people.dan.id);
	await enrol(course.id, people.eve.id, 'assistant');
	await enrol(course.id, people.frank.id);
	for (const [name, days] of [
		['ann', 300],
		['bob', 100],
		['cat', 200],
		['dan', 250],
		['eve', 50],
		['frank', 5]
	] as const) {
		await setEnrolledAt(people[name].id, days);
	}
	const a = actor(instructor);
	R = await groups.create(a, { courseId: course.id, name: 'Group R' });
	await ownerDb()`insert into public.group_members (group_id, user_id) values (${R.id}, ${people.ann.id})`;
	A1 = (await progress.createActivity(a, course.id, { title: 'A1', position: 1 })).id;
	A2 = (await progress.createActivity(a, course.id, { title: 'A2', position: 2 })).id;
	A3 = (
		await progress.createActivity(a, course.id, { title: 'A3', position: 3, restrictedTo: [R.id] })
	).id;
	await completion(A1, people.ann.id, 1, 80);
	await completion(A1, people.bob.id, 20);
	await completion(A2, people.bob.id, 20, 40);
	await completion(A3, people.dan.id, 30);
	await ownerDb()`
		insert into public.learner_events (user_id, course_id, kind, occurred_at)
		values (${people.cat.id}, ${course.id}, 'course_view', ${ago(2)})`;
	await learnerGroups.enable(a, course.id);
});

async function match(...criteria: Criterion[]): Promise<string[]> {
	const preview = await learnerGroups.preview(actor(instructor), course.id, { all: criteria });
	expect(preview.count).toBe(preview.sample.length);
	return preview.sample.map((person) => person.displayName).sort();
}

const everyone = ['ann', 'bob', 'cat', 'dan', 'eve', 'frank'];
const except = (...names: string[]) => everyone.filter((name) => !names.includes(name));

describe('each criterion and its negation, on a fixed course', () => {
	const cases: { name: string; criterion: () => Criterion; expected: string[] }[] = [
		{
			name: 'enrolled before a date',
			criterion: () => ({ type: 'enrolled', when: 'before', date: ago(150).toISOString() }),
			expected: ['ann', 'cat', 'dan']
		},
		{
			name: 'enrolled after a date',
			criterion: () => ({ type: 'enrolled', when: 'after', date: ago(150).toISOString() }),
			expected: ['bob', 'eve', 'frank']
		},
		{
			name: 'progress below 50 % (restricted activities count only for their groups)',
			criterion: () => ({ type: 'progress', op: 'below', percent: 50 }),
			expected: ['ann', 'cat', 'dan', 'eve', 'frank']
		},
		{
			name: 'progress above 30 %',
			criterion: () => ({ type: 'progress', op: 'above', percent: 30 }),
			expected: ['ann', 'bob']
		},
		{
			name: 'progress below 33.3 % leaves one in three (33.33…) out',
			criterion: () => ({ type: 'progress', op: 'below', percent: 33.3 }),
			expected: ['cat', 'dan', 'eve', 'frank']
		},
		{
			name: 'completed an activity',
			criterion: () => ({ type: 'completed', activityId: A1 }),
			expected: ['ann', 'bob']
		},
		{
			name: 'completed any activity',
			criterion: () => ({ type: 'completed', activityId: 'any' }),
			expected: ['ann', 'bob', 'dan']
		},
		{
			name: 'completed a restricted activity (the fact counts, whoever can see it now)',
			criterion: () => ({ type: 'completed', activityId: A3 }),
			expected: ['dan']
		},
		{
			name: 'scored below a value',
			criterion: () => ({ type: 'score', activityId: A2, op: 'below', value: 50 }),
			expected: ['bob']
		},
		{
			name: 'scored above a value',
			criterion: () => ({ type: 'score', activityId: A1, op: 'above', value: 50 }),
			expected: ['ann']
		},
		{
			name: 'inactive for at least 10 days (views and completions count; never active: since enrolment)',
			criterion: () => ({ type: 'inactive', days: 10 }),
			expected: ['bob', 'dan', 'eve']
		},
		{
			name: 'member of a group',
			criterion: () => ({ type: 'member', groupId: R.id }),
			expected: ['ann']
		},
		{
			name: 'enrolment role',
			criterion: () => ({ type: 'enrolment', role: 'learner' }),
			expected: ['ann', 'bob', 'cat', 'dan', 'frank']
		},
		{
			name: 'enrolment status',
			criterion: () => ({ type: 'enrolment', status: 'suspended' }),
			expected: ['cat']
		},
		{
			name: 'enrolment role and status together',
			criterion: () => ({ type: 'enrolment', role: 'learner', status: 'active' }),
			expected: ['ann', 'bob', 'dan', 'frank']
		}
	];

	for (const { name, criterion, expected } of cases) {
		it(`matches exactly: ${name}`, async () => {
			expect(await match(criterion())).toEqual(expected);
		});
		it(`matches the complement when negated: ${name}`, async () => {
			expect(await match({ ...criterion(), negate: true })).toEqual(except(...expected));
		});
	}

	it('joins two criteria with AND, one negated', async () => {
		expect(
			await match(
				{ type: 'progress', op: 'below', percent: 50 },
				{ type: 'member', groupId: R.id, negate: true }
			)
		).toEqual(['cat', 'dan', 'eve', 'frank']);
		expect(
			await match(
				{ type: 'enrolment', role: 'learner', status: 'active' },
				{ type: 'completed', activityId: 'any', negate: true }
			)
		).toEqual(['frank']);
	});
});

describe('criteria documents that cannot be evaluated', () => {
	it('refuses three criteria, none, unknown types and out-of-range values with a clear message', async () => {
		const a = actor(instructor);
		const bad: [unknown, RegExp][] = [
			[{ all: [] }, /Add a criterion/],
			[
				{
					all: [
						{ type: 'enrolment', role: 'learner' },
						{ type: 'enrolment', status: 'active' },
						{ type: 'enrolment', role: 'learner' }
					]
				},
				/at most two/
			],
			[{ all: [{ type: 'drop table' }] }, /Unknown criterion/],
			[{ all: [{ type: 'progress', op: 'below', percent: 101 }] }, /0 to 100/],
			[{ all: [{ type: 'inactive', days: 0 }] }, /1 to 365/],
			[{ all: [{ type: 'enrolled', when: 'before', date: '2026-13-45' }] }, /date/],
			[{ all: [{ type: 'enrolment' }] }, /role or a status/],
			[
				{ all: [{ type: 'completed', activityId: "'; drop table users; --" }] },
				/activity|valid id/
			],
			['not an object', /.+/]
		];
		for (const [criteria, message] of bad) {
			await expect(learnerGroups.preview(a, course.id, criteria)).rejects.toMatchObject({
				status: 400,
				message: expect.stringMatching(message)
			});
		}
	});

	it('refuses an activity of another course and a group the actor cannot see', async () => {
		const a = actor(instructor);
		const otherOrg = await createOrganisation();
		const otherCourse = await createCourse(otherOrg.id);
		const otherAdmin = await createUser();
		await addOrganisationMember(otherOrg.id, otherAdmin.id, 'admin');
		const foreign = await progress.createActivity(actor(otherAdmin), otherCourse.id, {
			title: 'X'
		});
		const hidden = await groups.create(actor(otherAdmin), {
			organisationId: otherOrg.id,
			name: 'H'
		});
		await expect(
			learnerGroups.preview(a, course.id, { all: [{ type: 'completed', activityId: foreign.id }] })
		).rejects.toMatchObject({ status: 400, message: 'That activity is not in this course.' });
		await expect(
			learnerGroups.preview(a, course.id, { all: [{ type: 'member', groupId: hidden.id }] })
		).rejects.toMatchObject({ status: 400 });
	});

	it('lets only course staff preview', async () => {
		await expect(
			learnerGroups.preview(actor(people.ann), course.id, {
				all: [{ type: 'enrolment', role: 'learner' }]
			})
		).rejects.toMatchObject({ status: 404 });
		// An assistant is staff.
		const preview = await learnerGroups.preview(actor(people.eve), course.id, {
			all: [{ type: 'enrolment', status: 'suspended' }]
		});
		expect(preview.sample.map((p) => p.displayName)).toEqual(['cat']);
	});
});
