import { beforeAll, describe, expect, it } from 'vitest';
import * as coursePage from '../../src/routes/(app)/courses/[id]/+page.server';
import * as enrolmentsRoute from '../../src/routes/api/v1/courses/[id]/enrolments/+server';
import {
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';
import { callAction, callEndpoint } from './route-call';

// The participants list's one Save: staff edit several rows' role and status, and one request
// applies them all, or none with an error beside each row that failed; the JSON API has the same
// batch beside its per-person PATCH.

let org: { id: string };
let instructor: TestUser;
let learner: TestUser;
let ada: TestUser;
let ben: TestUser;
let cleo: TestUser;
let stranger: TestUser;

type FormAnswer = {
	form?: string;
	success?: string;
	message?: string;
	code?: string;
	issues?: { path?: string; message: string }[];
	values?: { changes: { userId: string; role?: string; status?: string }[] };
};

async function enrolmentsIn(courseId: string) {
	const rows = await ownerDb()<{ user_id: string; role: string; status: string }[]>`
		select user_id, role, status from public.enrolments where course_id = ${courseId}`;
	return Object.fromEntries(rows.map((row) => [row.user_id, `${row.role}/${row.status}`]));
}

async function freshCourse() {
	const course = await createCourse(org.id);
	await enrol(course.id, instructor.id, 'instructor');
	for (const person of [learner, ada, ben, cleo]) await enrol(course.id, person.id);
	return course;
}

const save = (user: TestUser, courseId: string, form: Record<string, string | string[]>) =>
	callAction(coursePage.actions.saveEnrolments, { user, params: { id: courseId }, form });

beforeAll(async () => {
	org = await createOrganisation();
	instructor = await createUser({ name: 'Ivy Instructor' });
	learner = await createUser({ name: 'Leo Learner' });
	ada = await createUser({ name: 'Ada Edit' });
	ben = await createUser({ name: 'Ben Edit' });
	cleo = await createUser({ name: 'Cleo Edit' });
	stranger = await createUser({ name: 'Sam Stranger' });
	for (const person of [instructor, learner, ada, ben, cleo, stranger]) {
		await addOrganisationMember(org.id, person.id);
	}
});

describe('the participants list’s one Save', () => {
	it('applies every edited row in one request and names them', async () => {
		const course = await freshCourse();
		const answer = await save(instructor, course.id, {
			[`role:${ada.id}`]: 'assistant',
			[`status:${ada.id}`]: 'active',
			[`name:${ada.id}`]: 'Ada Edit',
			[`role:${ben.id}`]: 'learner',
			[`status:${ben.id}`]: 'suspended',
			[`name:${ben.id}`]: 'Ben Edit'
		});
		expect(answer.status).toBe(200);
		expect((answer.body as FormAnswer).success).toBe('Saved the changes to Ada Edit and Ben Edit.');
		const now = await enrolmentsIn(course.id);
		expect(now[ada.id]).toBe('assistant/active');
		expect(now[ben.id]).toBe('learner/suspended');
		expect(now[cleo.id]).toBe('learner/active');
	});

	it('saves nothing when one row fails, names that row, and gives the edits back', async () => {
		const course = await freshCourse();
		// Cleo is unenrolled (by someone else) while the page still shows her.
		await ownerDb()`delete from public.enrolments where course_id = ${course.id} and user_id = ${cleo.id}`;
		const before = await enrolmentsIn(course.id);
		const answer = await save(instructor, course.id, {
			[`role:${ada.id}`]: 'instructor',
			[`status:${ada.id}`]: 'active',
			[`role:${cleo.id}`]: 'assistant',
			[`status:${cleo.id}`]: 'active',
			[`role:${ben.id}`]: 'learner',
			[`status:${ben.id}`]: 'suspended'
		});
		expect(answer.status).toBe(409);
		const body = answer.body as FormAnswer;
		expect(body.form).toBe('edits');
		expect(body.message).toBe(
			'Nothing was saved: 1 of the 3 changes name people not enrolled in this course.'
		);
		expect(body.issues).toEqual([
			{
				path: `row:${cleo.id}`,
				message: 'Not enrolled in this course (any more): this change cannot be made.'
			}
		]);
		expect(body.values?.changes).toEqual([
			{ userId: ada.id, role: 'instructor', status: 'active' },
			{ userId: cleo.id, role: 'assistant', status: 'active' },
			{ userId: ben.id, role: 'learner', status: 'suspended' }
		]);
		expect(await enrolmentsIn(course.id)).toEqual(before);
	});

	it('names the row of a value it cannot read, and saves nothing', async () => {
		const course = await freshCourse();
		const before = await enrolmentsIn(course.id);
		const answer = await save(instructor, course.id, {
			[`role:${ada.id}`]: 'assistant',
			[`role:${ben.id}`]: 'headmaster'
		});
		expect(answer.status).toBe(400);
		const body = answer.body as FormAnswer;
		expect(body.message).toMatch(/^Nothing was saved: /);
		expect(body.issues?.map((issue) => issue.path)).toEqual([`row:${ben.id}`]);
		expect(await enrolmentsIn(course.id)).toEqual(before);
	});

	it('saves only what differs when every row is posted (a browser without a script)', async () => {
		const course = await freshCourse();
		const answer = await save(instructor, course.id, {
			[`role:${ada.id}`]: 'learner',
			[`status:${ada.id}`]: 'active',
			[`name:${ada.id}`]: 'Ada Edit',
			[`role:${ben.id}`]: 'learner',
			[`status:${ben.id}`]: 'suspended',
			[`name:${ben.id}`]: 'Ben Edit'
		});
		expect((answer.body as FormAnswer).success).toBe('Saved the changes to Ben Edit.');
		expect((await enrolmentsIn(course.id))[ben.id]).toBe('learner/suspended');
	});

	it('refuses a learner and changes nothing', async () => {
		const course = await freshCourse();
		const before = await enrolmentsIn(course.id);
		const answer = await save(learner, course.id, { [`role:${learner.id}`]: 'instructor' });
		expect(answer.status).toBe(404);
		expect(await enrolmentsIn(course.id)).toEqual(before);
	});
});

describe('PATCH /api/v1/courses/{id}/enrolments', () => {
	const patch = (user: TestUser, courseId: string, json: unknown) =>
		callEndpoint(enrolmentsRoute.PATCH, {
			user,
			params: { id: courseId },
			json,
			method: 'PATCH',
			via: 'api'
		});

	it('changes several enrolments at once and says which changed', async () => {
		const course = await freshCourse();
		const answer = await patch(instructor, course.id, {
			changes: [
				{ userId: ada.id, role: 'assistant' },
				{ userId: ben.id, status: 'suspended' },
				{ userId: cleo.id, role: 'learner' }
			]
		});
		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({
			updated: expect.arrayContaining([
				{ userId: ada.id, role: 'assistant', status: 'active' },
				{ userId: ben.id, role: 'learner', status: 'suspended' }
			]),
			unchanged: 1
		});
		expect((answer.body as { updated: unknown[] }).updated).toHaveLength(2);
	});

	it('answers 409 with the failing change by its index, and applies none', async () => {
		const course = await freshCourse();
		const before = await enrolmentsIn(course.id);
		const answer = await patch(instructor, course.id, {
			changes: [
				{ userId: ada.id, role: 'assistant' },
				{ userId: stranger.id, role: 'assistant' }
			]
		});
		expect(answer.status).toBe(409);
		expect((answer.body as { error: { code: string; issues: unknown[] } }).error).toMatchObject({
			code: 'not_enrolled',
			issues: [
				{
					path: 'changes.1.userId',
					message: 'Not enrolled in this course (any more): this change cannot be made.'
				}
			]
		});
		expect(await enrolmentsIn(course.id)).toEqual(before);
	});

	it('refuses a person listed twice and a change that changes nothing', async () => {
		const course = await freshCourse();
		const twice = await patch(instructor, course.id, {
			changes: [
				{ userId: ada.id, role: 'assistant' },
				{ userId: ada.id, status: 'suspended' }
			]
		});
		expect(twice.status).toBe(400);
		expect((twice.body as { error: { issues: unknown[] } }).error.issues).toEqual([
			{ path: 'changes.1.userId', message: 'The same person is changed twice (also change 1).' }
		]);
		const empty = await patch(instructor, course.id, { changes: [{ userId: ada.id }] });
		expect(empty.status).toBe(400);
		expect((empty.body as { error: { message: string } }).error.message).toBe(
			'Each change names a role, a status or both.'
		);
	});
});
