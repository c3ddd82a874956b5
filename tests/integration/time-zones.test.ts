import { beforeAll, describe, expect, it } from 'vitest';
import { createSession, validateSessionToken } from '$lib/server/auth/session';
import { asService } from '$lib/server/db';
import * as meRoute from '../../src/routes/api/v1/me/+server';
import * as browserZoneRoute from '../../src/routes/api/v1/me/browser-time-zone/+server';
import { actions as activityActions } from '../../src/routes/(app)/courses/[id]/activities/+page.server';
import { actions as groupingActions } from '../../src/routes/(app)/courses/[id]/groups/groupings/[groupingId]/+page.server';
import {
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';
import { callAction, callEndpoint } from './route-call';

// Issue 13: each person has a time zone, and every date they enter is read in it.

let instructor: TestUser;
let course: { id: string };

beforeAll(async () => {
	const org = await createOrganisation();
	course = await createCourse(org.id);
	instructor = await createUser({ name: 'Zoned Instructor' });
	await enrol(course.id, instructor.id, 'instructor');
});

const patchMe = (who: TestUser, json: unknown) =>
	callEndpoint(meRoute.PATCH, { method: 'PATCH', user: who, json });

describe('a person’s time zone', () => {
	it('is chosen through the JSON API, carried by the session, and refuses unknown zones', async () => {
		const person = await createUser();
		expect(await patchMe(person, { timeZone: 'Europe/Paris' })).toEqual({
			status: 200,
			body: { timeZone: 'Europe/Paris' }
		});
		const me = await callEndpoint(meRoute.GET, { user: person });
		expect(me.body).toMatchObject({ id: person.id, timeZone: 'Europe/Paris' });
		const { token } = await asService((tx) => createSession(tx, person.id));
		expect((await validateSessionToken(token)).user?.timeZone).toBe('Europe/Paris');

		const bad = await patchMe(person, { timeZone: 'Mars/Olympus_Mons' });
		expect(bad.status).toBe(400);
		expect(JSON.stringify(bad.body)).toContain('Choose a time zone from the list');
		expect((await patchMe(person, { timeZone: 'UTC', theme: 'dark' })).status).toBe(400);
		const [row] = await ownerDb()`select time_zone from public.users where id = ${person.id}`;
		expect(row.time_zone).toBe('Europe/Paris');
	});

	it('takes the browser’s zone for a person without one, and never over a chosen one', async () => {
		const person = await createUser();
		const offer = (timeZone: string) =>
			callEndpoint(browserZoneRoute.PUT, { method: 'PUT', user: person, json: { timeZone } });
		expect(await offer('Asia/Tokyo')).toEqual({ status: 200, body: { timeZone: 'Asia/Tokyo' } });
		expect(await offer('America/Chicago')).toEqual({
			status: 200,
			body: { timeZone: 'Asia/Tokyo' }
		});
		await patchMe(person, { timeZone: 'Europe/Lisbon' });
		expect((await offer('Asia/Tokyo')).body).toEqual({ timeZone: 'Europe/Lisbon' });
	});

	it('reads a sign-up window in the instructor’s zone (New York, across the DST change)', async () => {
		const [grouping] = await ownerDb()`
			insert into public.groupings (course_id, name) values (${course.id}, 'Projects') returning id`;
		const answer = await callAction(groupingActions.signup, {
			user: { ...instructor, timeZone: 'America/New_York' },
			params: { id: course.id, groupingId: grouping.id },
			form: { open: 'on', opensAt: '2026-03-07T09:00', closesAt: '2026-03-09T09:00' }
		});
		expect(answer.status, JSON.stringify(answer.body)).toBe(200);
		const [row] = await ownerDb()`
			select signup_opens_at, signup_closes_at from public.groupings where id = ${grouping.id}`;
		// 09:00 EST is 14:00 UTC; after the 8 March change, 09:00 EDT is 13:00 UTC.
		expect(row.signup_opens_at.toISOString()).toBe('2026-03-07T14:00:00.000Z');
		expect(row.signup_closes_at.toISOString()).toBe('2026-03-09T13:00:00.000Z');
	});

	it('makes a due date the end of that day in the instructor’s zone', async () => {
		const answer = await callAction(activityActions.create, {
			user: { ...instructor, timeZone: 'Asia/Tokyo' },
			params: { id: course.id },
			form: { title: 'Essay', type: 'assignment', dueDate: '2026-12-10' }
		});
		expect(answer.status, JSON.stringify(answer.body)).toBe(200);
		const [row] = await ownerDb()`
			select due_at from public.activities where course_id = ${course.id} and title = 'Essay'`;
		expect(row.due_at.toISOString()).toBe('2026-12-10T14:59:00.000Z');
	});
});
