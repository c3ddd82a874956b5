import { beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '$lib/server/auth/accounts';
import * as progress from '$lib/server/progress';
import {
	actor,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	FIXTURE_PASSWORD,
	ownerDb,
	type TestUser
} from './helpers';

let learner: TestUser;
let outsider: TestUser;
let course: { id: string };

beforeAll(async () => {
	const org = await createOrganisation();
	course = await createCourse(org.id);
	learner = await createUser({ name: 'Learner' });
	outsider = await createUser({ name: 'Outsider' });
	await enrol(course.id, learner.id);
});

const eventsOf = (userId: string) =>
	ownerDb()<{ kind: string; course_id: string | null }[]>`
		select kind, course_id from public.learner_events where user_id = ${userId} order by id`;

describe('learner events', () => {
	it('records a sign-in, and course views and posts by the learner in their course', async () => {
		await signIn({ email: learner.email, password: FIXTURE_PASSWORD }, '203.0.113.7');
		await progress.recordEvent(actor(learner), { kind: 'course_view', courseId: course.id });
		await progress.recordEvent(actor(learner), { kind: 'post', courseId: course.id });
		expect(await eventsOf(learner.id)).toEqual([
			{ kind: 'sign_in', course_id: null },
			{ kind: 'course_view', course_id: course.id },
			{ kind: 'post', course_id: course.id }
		]);
	});

	it('refuses events in a course the person is not in, and unknown kinds, changing nothing', async () => {
		await expect(
			progress.recordEvent(actor(outsider), { kind: 'course_view', courseId: course.id })
		).rejects.toMatchObject({ status: 404 });
		await expect(
			progress.recordEvent(actor(learner), { kind: 'sign_in', courseId: course.id })
		).rejects.toMatchObject({ status: 400 });
		await expect(
			progress.recordEvent(actor(learner), { kind: 'course_view', courseId: 'nope' })
		).rejects.toMatchObject({ status: 400 });
		expect(await eventsOf(outsider.id)).toEqual([]);
	});

	it('lets a learner mark and unmark an open activity, but not one staff mark', async () => {
		const staff = await createUser({ name: 'Teacher' });
		await enrol(course.id, staff.id, 'instructor');
		const open = await progress.createActivity(actor(staff), course.id, { title: 'Read' });
		const graded = await progress.createActivity(actor(staff), course.id, {
			title: 'Essay',
			selfCompletion: false
		});
		await progress.markComplete(actor(learner), open.id);
		await progress.markComplete(actor(learner), open.id);
		let view = await progress.listActivities(actor(learner), course.id);
		expect(view.progress).toEqual({ visible: 2, done: 1, percent: 50 });
		await expect(progress.markComplete(actor(learner), graded.id)).rejects.toMatchObject({
			status: 403
		});
		await expect(progress.markComplete(actor(outsider), open.id)).rejects.toMatchObject({
			status: 404
		});
		await progress.unmarkComplete(actor(learner), open.id);
		view = await progress.listActivities(actor(learner), course.id);
		expect(view.progress).toEqual({ visible: 2, done: 0, percent: 0 });
	});
});
