import { beforeAll, describe, expect, it } from 'vitest';
import * as courseGroups from '$lib/server/course-groups';
import * as groups from '$lib/server/groups';
import * as selfEnrolment from '$lib/server/self-enrolment';
import * as settingsRoute from '../../src/routes/api/v1/courses/[id]/self-enrolment/+server';
import * as groupKeyRoute from '../../src/routes/api/v1/groups/[id]/enrolment-key/+server';
import * as enrolRoute from '../../src/routes/api/v1/self-enrolment/+server';
import * as openRoute from '../../src/routes/api/v1/self-enrolment/courses/+server';
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
import { callEndpoint } from './route-call';

// Course self-enrolment with a key, and group enrolment keys (issue 13), through the JSON API.

let org: { id: string };
let otherOrg: { id: string };
let instructor: TestUser;

beforeAll(async () => {
	org = await createOrganisation();
	otherOrg = await createOrganisation();
	instructor = await createUser({ name: 'Key Keeper' });
});

/** A course with its instructor and a group "Lab A"; and a fresh member of its organisation. */
async function courseWithLab() {
	const course = await createCourse(org.id);
	await enrol(course.id, instructor.id, 'instructor');
	const lab = await groups.create(actor(instructor), { courseId: course.id, name: 'Lab A' });
	const newcomer = await createUser({ name: 'New Comer' });
	await addOrganisationMember(org.id, newcomer.id);
	return { course, lab, newcomer };
}

const put = (user: TestUser, courseId: string, json: unknown) =>
	callEndpoint(settingsRoute.PUT, { user, params: { id: courseId }, json, method: 'PUT' });
const enrolWith = (user: TestUser, courseId: string, key: string) =>
	callEndpoint(enrolRoute.POST, { user, json: { courseId, key } });

async function enrolmentOf(courseId: string, userId: string) {
	const [row] = await ownerDb()<{ role: string; source: string }[]>`
		select role, source from public.enrolments where course_id = ${courseId} and user_id = ${userId}`;
	return row ?? null;
}

describe('course self-enrolment settings', () => {
	it('lets course staff turn it on with a key that meets the password policy, and read it back', async () => {
		const { course } = await courseWithLab();
		expect(await put(instructor, course.id, { enabled: true, key: 'short' })).toMatchObject({
			status: 400,
			body: { error: { code: 'weak_key' } }
		});
		expect(await put(instructor, course.id, { enabled: true, key: 'password123' })).toMatchObject({
			status: 400,
			body: { error: { code: 'weak_key' } }
		});
		expect(await put(instructor, course.id, { enabled: true })).toMatchObject({
			status: 400,
			body: { error: { message: 'Set an enrolment key to turn self-enrolment on.' } }
		});
		expect(
			await put(instructor, course.id, { enabled: true, key: 'otter-lantern-42', colour: 'red' })
		).toMatchObject({ status: 400, body: { error: { message: 'Unknown field: colour' } } });
		const saved = await put(instructor, course.id, {
			enabled: true,
			key: 'otter-lantern-42',
			closesAt: '2099-01-01T00:00:00Z',
			defaultRole: 'learner'
		});
		expect(saved).toMatchObject({
			status: 200,
			body: { enabled: true, key: 'otter-lantern-42', defaultRole: 'learner' }
		});
		expect(
			await callEndpoint(settingsRoute.GET, { user: instructor, params: { id: course.id } })
		).toMatchObject({ status: 200, body: { key: 'otter-lantern-42', groups: [{ key: null }] } });
	});

	it('keeps keys from learners and people outside the course', async () => {
		const { course, newcomer } = await courseWithLab();
		await put(instructor, course.id, { enabled: true, key: 'otter-lantern-42' });
		const learner = await createUser({ name: 'Plain Learner' });
		await enrol(course.id, learner.id);
		for (const who of [learner, newcomer]) {
			expect(
				await callEndpoint(settingsRoute.GET, { user: who, params: { id: course.id } })
			).toMatchObject({ status: 404 });
			expect(await put(who, course.id, { enabled: false })).toMatchObject({ status: 404 });
		}
	});

	it('keeps group keys unique within the course, the course key included', async () => {
		const { course, lab } = await courseWithLab();
		await put(instructor, course.id, { enabled: true, key: 'otter-lantern-42' });
		const lab2 = await groups.create(actor(instructor), { courseId: course.id, name: 'Lab B' });
		const setKey = (groupId: string, key: string | null) =>
			callEndpoint(groupKeyRoute.PUT, {
				user: instructor,
				params: { id: groupId },
				json: { key },
				method: 'PUT'
			});
		expect(await setKey(lab.id, 'heron-basket-17')).toMatchObject({
			status: 200,
			body: { key: 'heron-basket-17' }
		});
		expect(await setKey(lab2.id, 'heron-basket-17')).toMatchObject({
			status: 409,
			body: { error: { code: 'key_taken' } }
		});
		expect(await setKey(lab2.id, 'otter-lantern-42')).toMatchObject({
			status: 409,
			body: { error: { code: 'key_taken' } }
		});
		expect(await setKey(lab2.id, 'abc')).toMatchObject({ status: 400 });
		// Another course may use the same key.
		const other = await courseWithLab();
		expect(
			await callEndpoint(groupKeyRoute.PUT, {
				user: instructor,
				params: { id: other.lab.id },
				json: { key: 'heron-basket-17' },
				method: 'PUT'
			})
		).toMatchObject({ status: 200 });
		expect(await setKey(lab.id, null)).toMatchObject({ status: 200, body: { key: null } });
	});
});

describe('enrolling with a key', () => {
	it('enrols with the course key in the default role, and lists the course only while it is open', async () => {
		const { course, newcomer } = await courseWithLab();
		await put(instructor, course.id, {
			enabled: true,
			key: 'otter-lantern-42',
			defaultRole: 'assistant'
		});
		const open = await callEndpoint(openRoute.GET, { user: newcomer });
		expect((open.body as { items: { courseId: string }[] }).items.map((c) => c.courseId)).toContain(
			course.id
		);
		expect(JSON.stringify(open.body)).not.toContain('otter-lantern-42');
		expect(await enrolWith(newcomer, course.id, 'otter-lantern-42')).toMatchObject({
			status: 201,
			body: { role: 'assistant', group: null, message: 'You are enrolled.' }
		});
		expect(await enrolmentOf(course.id, newcomer.id)).toEqual({
			role: 'assistant',
			source: 'self'
		});
		expect(await enrolWith(newcomer, course.id, 'otter-lantern-42')).toMatchObject({
			status: 409,
			body: { error: { code: 'already_enrolled' } }
		});
		const listed = await callEndpoint(openRoute.GET, { user: newcomer });
		expect(JSON.stringify(listed.body)).not.toContain(course.id);
	});

	it('puts whoever uses a group key into that group', async () => {
		const { course, lab, newcomer } = await courseWithLab();
		await put(instructor, course.id, { enabled: true, key: 'otter-lantern-42' });
		await selfEnrolment.setGroupKey(actor(instructor), lab.id, { key: 'heron-basket-17' });
		expect(await enrolWith(newcomer, course.id, 'heron-basket-17')).toMatchObject({
			status: 201,
			body: {
				role: 'learner',
				group: { id: lab.id, name: 'Lab A', full: false },
				message: 'You are enrolled, in Lab A.'
			}
		});
		const [member] = await ownerDb()`
			select source from public.group_members where group_id = ${lab.id} and user_id = ${newcomer.id}`;
		expect(member).toEqual({ source: 'self' });
	});

	it('enrols but says so when the key’s group is full', async () => {
		const { course, lab, newcomer } = await courseWithLab();
		await put(instructor, course.id, { enabled: true, key: 'otter-lantern-42' });
		await selfEnrolment.setGroupKey(actor(instructor), lab.id, { key: 'heron-basket-17' });
		const grouping = await courseGroups.createGrouping(actor(instructor), course.id, {
			name: 'Labs'
		});
		await courseGroups.addToGrouping(actor(instructor), grouping.id, [lab.id]);
		await courseGroups.updateSignup(actor(instructor), grouping.id, { open: false, sizeLimit: 1 });
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${lab.id}, ${instructor.id})`;
		expect(await enrolWith(newcomer, course.id, 'heron-basket-17')).toMatchObject({
			status: 201,
			body: {
				group: { full: true },
				message: 'You are enrolled, but Lab A is full: ask your teacher to place you.'
			}
		});
		expect(await enrolmentOf(course.id, newcomer.id)).toMatchObject({ role: 'learner' });
	});

	it('refuses a wrong key, a closed course and someone from another organisation alike', async () => {
		const { course, newcomer } = await courseWithLab();
		await put(instructor, course.id, {
			enabled: true,
			key: 'otter-lantern-42',
			opensAt: '2099-01-01T00:00:00Z'
		});
		expect(await enrolWith(newcomer, course.id, 'otter-lantern-42')).toMatchObject({
			status: 403,
			body: { error: { code: 'closed' } }
		});
		await put(instructor, course.id, { enabled: true, key: 'otter-lantern-42' });
		expect(await enrolWith(newcomer, course.id, 'Otter-Lantern-42')).toMatchObject({
			status: 403,
			body: { error: { code: 'wrong_key' } }
		});
		const foreigner = await createUser({ name: 'Far Away' });
		await addOrganisationMember(otherOrg.id, foreigner.id);
		expect(await enrolWith(foreigner, course.id, 'otter-lantern-42')).toMatchObject({
			status: 403,
			body: { error: { code: 'closed' } }
		});
		expect(await enrolmentOf(course.id, foreigner.id)).toBeNull();
		expect(await enrolWith(newcomer, course.id, '')).toMatchObject({ status: 400 });
	});

	it('makes guessing wait after five wrong keys, even with the right key next', async () => {
		const { course, newcomer } = await courseWithLab();
		await put(instructor, course.id, { enabled: true, key: 'otter-lantern-42' });
		for (let i = 0; i < 5; i++) {
			expect(await enrolWith(newcomer, course.id, `guess-number-${i}x`)).toMatchObject({
				status: 403
			});
		}
		const throttled = await enrolWith(newcomer, course.id, 'otter-lantern-42');
		expect(throttled).toMatchObject({
			status: 429,
			body: { error: { code: 'too_many_attempts' } }
		});
		expect(await enrolmentOf(course.id, newcomer.id)).toBeNull();
	});
});
