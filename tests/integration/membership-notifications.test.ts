import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobs, stopJobs } from '$lib/server/background';
import { resetTransport } from '$lib/server/email';
import * as groupsRoute from '../../src/routes/api/v1/groups/+server';
import * as membersRoute from '../../src/routes/api/v1/groups/[id]/members/+server';
import * as inboxRoute from '../../src/routes/api/v1/me/notifications/+server';
import * as preferencesRoute from '../../src/routes/api/v1/me/notification-preferences/+server';
import { foundationCast } from './helpers';
import { callEndpoint } from './route-call';
import { startSink, unfold } from './smtp-sink';

// Issue 13: people added to a group or a course group are told, in the app and (if they want) by
// email, through the notification centre. Everything through the JSON API, the job queue and a
// real SMTP server.

let sink: Awaited<ReturnType<typeof startSink>>;
let cast: Awaited<ReturnType<typeof foundationCast>>;

beforeAll(async () => {
	sink = await startSink();
	process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
	process.env.MEMBERSHIP_SWEEP_MS = '600000';
	process.env.ORIGIN = 'https://tessera.example';
	resetTransport();
	cast = await foundationCast();
	await startJobs();
});

afterAll(async () => {
	await stopJobs();
	delete process.env.SMTP_URL;
	delete process.env.ORIGIN;
	resetTransport();
	await sink.close();
});

type Item = { kind: string; title: string; summary: string; link: string; groupId: string };

async function inbox(who: typeof cast.learner): Promise<Item[]> {
	const answer = await callEndpoint(inboxRoute.GET, { user: who, query: 'limit=100' });
	expect(answer.status).toBe(200);
	return (answer.body as { items: Item[] }).items;
}

async function createGroup(who: typeof cast.learner, json: object): Promise<string> {
	const answer = await callEndpoint(groupsRoute.POST, { user: who, json });
	expect(answer.status, JSON.stringify(answer.body)).toBe(201);
	return (answer.body as { id: string }).id;
}

async function add(who: typeof cast.learner, groupId: string, userIds: string[]) {
	const answer = await callEndpoint(membersRoute.POST, {
		user: who,
		params: { id: groupId },
		json: { userIds }
	});
	expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
}

async function mailWith(email: string, text: string) {
	const until = Date.now() + 20_000;
	for (;;) {
		const found = sink.inbox.find(
			(mail) => mail.to.includes(email) && unfold(mail.raw).includes(text)
		);
		if (found) return unfold(found.raw);
		if (Date.now() > until) throw new Error(`no email with "${text}" reached ${email}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

describe('being added to a group', () => {
	it('tells a learner the instructor added them to a course group, in the app, naming the course', async () => {
		const groupId = await createGroup(cast.instructor, {
			scope: 'course',
			courseId: cast.course.id,
			name: 'Lab group 1'
		});
		await add(cast.instructor, groupId, [cast.learner.id]);
		const added = (await inbox(cast.learner)).find((item) => item.groupId === groupId);
		expect(added).toMatchObject({
			kind: 'membership_added',
			title: 'Instructor added you to Lab group 1',
			link: `/groups/${groupId}`
		});
		expect(added!.summary).toBe(`${cast.course.code} · Course ${cast.course.code}`);
		// The instructor is not told of their own action.
		expect((await inbox(cast.instructor)).filter((item) => item.groupId === groupId)).toEqual([]);
	});

	it('emails a learner who asked for membership emails, for a course group and an organisation group', async () => {
		const prefs = await callEndpoint(preferencesRoute.PUT, {
			method: 'PUT',
			user: cast.fellow,
			json: { membership_added: 'email' }
		});
		expect(prefs.status).toBe(200);
		const courseGroup = await createGroup(cast.instructor, {
			scope: 'course',
			courseId: cast.course.id,
			name: 'Lab group 2'
		});
		await add(cast.instructor, courseGroup, [cast.fellow.id]);
		const mail = await mailWith(cast.fellow.email, 'added you to Lab group 2');
		expect(mail).toContain(`https://tessera.example/groups/${courseGroup}`);

		const orgGroup = await createGroup(cast.orgAdmin, {
			scope: 'organisation',
			organisationId: cast.org.id,
			name: 'Study circle'
		});
		await add(cast.orgAdmin, orgGroup, [cast.fellow.id]);
		await mailWith(cast.fellow.email, 'added you to Study circle');
		expect((await inbox(cast.fellow)).map((item) => item.groupId)).toEqual(
			expect.arrayContaining([courseGroup, orgGroup])
		);
	});

	it('emails nobody who keeps membership news in the app (the default)', async () => {
		const groupId = await createGroup(cast.instructor, {
			scope: 'course',
			courseId: cast.course.id,
			name: 'Lab group 3'
		});
		await add(cast.instructor, groupId, [cast.suspended.id, cast.learner.id]);
		expect((await inbox(cast.learner)).some((item) => item.title.endsWith('Lab group 3'))).toBe(
			true
		);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(
			sink.inbox.filter(
				(mail) => mail.to.includes(cast.learner.email) && unfold(mail.raw).includes('Lab group 3')
			)
		).toEqual([]);
	});
});
