import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as announcements from '$lib/server/announcements';
import * as chat from '$lib/server/chat';
import { resetTransport } from '$lib/server/email';
import * as groups from '$lib/server/groups';
import { startJobs, stopJobs } from '$lib/server/background';
import * as learnerGroups from '$lib/server/learner-groups';
import * as memberships from '$lib/server/memberships';
import * as requests from '$lib/server/memberships/requests';
import * as notifications from '$lib/server/notifications';
import * as progress from '$lib/server/progress';
import { setRefreshScheduler } from '$lib/server/learner-groups/freshness';
import { groupCast, type Cast } from './group-cast';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';
import { startSink, unfold } from './smtp-sink';

// Who gets which notification, how their preferences are honoured, and the emails: at once
// through the job queue, the daily digest (once), and the one-click unsubscribe link. Against
// the real schema, the real job queue and a real SMTP server.

let cast: Cast;
let sink: Awaited<ReturnType<typeof startSink>>;

async function waitFor<T>(
	probe: () => Promise<T | undefined> | T | undefined,
	timeoutMs = 20_000
): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > until) throw new Error('timed out waiting');
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

const mailsTo = (email: string, text: string) =>
	sink.inbox.filter((mail) => mail.to.includes(email) && unfold(mail.raw).includes(text));

const inbox = (user: TestUser) => notifications.list(actor(user), { limit: '100' });

async function general(groupId: string, who: TestUser) {
	const channels = await chat.listChannels(actor(who), groupId);
	return channels.find((channel) => channel.name === 'general')!.id;
}

let newcomer: TestUser;

beforeAll(async () => {
	sink = await startSink();
	process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
	process.env.MEMBERSHIP_SWEEP_MS = '600000';
	process.env.ORIGIN = 'https://tessera.example';
	resetTransport();
	setRefreshScheduler(async () => {});
	cast = await groupCast();
	newcomer = await createUser({ name: 'Newcomer Nora' });
	await addOrganisationMember(cast.org.id, newcomer.id);
	await startJobs();
});

afterAll(async () => {
	await stopJobs();
	setRefreshScheduler(null);
	delete process.env.SMTP_URL;
	delete process.env.ORIGIN;
	resetTransport();
	await sink.close();
});

describe('membership changes', () => {
	it('tells a person a leader added them, links to the group, and tells the leader nothing', async () => {
		await ownerDb()`update public.groups set leaders_manage_members = true where id = ${cast.H.id}`;
		await memberships.add(actor(cast.leaderH), cast.H.id, { userIds: [newcomer.id] });
		const mine = await inbox(newcomer);
		const added = mine.items.find((item) => item.kind === 'membership_added');
		expect(added).toMatchObject({
			title: 'leaderH added you to Cohort 2025',
			link: `/groups/${cast.H.id}`,
			actor: { id: cast.leaderH.id, displayName: 'leaderH' },
			groupId: cast.H.id,
			readAt: null
		});
		expect(mine.unread).toBeGreaterThanOrEqual(1);
		const leaders = await inbox(cast.leaderH);
		expect(
			leaders.items.filter((item) => item.groupId === cast.H.id && item.title.includes('Newcomer'))
		).toEqual([]);
	});

	it('tells a person they were removed, and nobody who leaves by themselves', async () => {
		await memberships.remove(actor(cast.leaderH), cast.H.id, { userIds: [newcomer.id] });
		const removed = (await inbox(newcomer)).items.find(
			(item) => item.kind === 'membership_removed'
		);
		expect(removed).toMatchObject({ title: 'leaderH removed you from Cohort 2025', link: '/' });

		const open = await groups.create(actor(cast.orgAdmin), {
			organisationId: cast.org.id,
			name: 'Chess club',
			membershipMode: 'open',
			visibility: 'scope'
		});
		await memberships.join(actor(newcomer), open.id);
		await memberships.leave(actor(newcomer), open.id);
		const about = (await inbox(newcomer)).items.filter((item) => item.groupId === open.id);
		expect(about).toEqual([]);
	});

	it('tells a requester the decision once, not also as an addition', async () => {
		const club = await groups.create(actor(cast.orgAdmin), {
			organisationId: cast.org.id,
			name: 'Debating society',
			membershipMode: 'request',
			visibility: 'scope'
		});
		const asker = await createUser({ name: 'Asker' });
		await addOrganisationMember(cast.org.id, asker.id);
		const pending = await requests.ask(actor(asker), club.id, { message: 'Please' });
		await requests.decide(actor(cast.orgAdmin), club.id, {
			requestIds: [pending.id],
			approve: true
		});
		const about = (await inbox(asker)).items.filter((item) => item.groupId === club.id);
		expect(about.map((item) => [item.kind, item.title, item.link])).toEqual([
			[
				'join_request_decided',
				'Your request to join Debating society was approved',
				`/groups/${club.id}`
			]
		]);
	});
});

describe('mentions', () => {
	it('notifies the mentioned person, emails them at once through the job queue with an unsubscribe link, and takes it back when the mention is edited out', async () => {
		const channelId = await general(cast.G.id, cast.learnerG);
		const sent = await chat.send(actor(cast.learnerG), {
			channelId,
			clientId: crypto.randomUUID(),
			body: 'Question for @leaderG: is **Monday** <b>still</b> on?'
		});
		const mention = (await inbox(cast.leaderG)).items.find(
			(item) => item.kind === 'mention' && item.summary.includes('Monday')
		);
		expect(mention).toMatchObject({
			title: 'learnerG mentioned you in #general · Cohort 2026',
			link: `/groups/${cast.G.id}/channels/${channelId}`,
			actor: { id: cast.learnerG.id }
		});

		const [mail] = await waitFor(() => {
			const found = mailsTo(cast.leaderG.email, 'mentioned you in #general');
			return found.length ? found : undefined;
		});
		const raw = unfold(mail.raw);
		expect(raw).toMatch(/multipart\/alternative/);
		const [plain, html] = raw.split('Content-Type: text/html');
		expect(plain).toContain('Content-Type: text/plain');
		expect(plain).toContain('is **Monday** <b>still</b> on?');
		expect(html).toContain('<strong>Monday</strong>');
		// The person's raw HTML arrives as text, never as markup.
		expect(html).not.toContain('<b>still</b>');
		expect(html).toContain('&lt;b&gt;still&lt;/b&gt;');
		expect(raw).toContain(`https://tessera.example/groups/${cast.G.id}/channels/${channelId}`);
		expect(raw).toMatch(
			/List-Unsubscribe:\s+<https:\/\/tessera\.example\/unsubscribe\/[\w-]{40,}>/
		);
		expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
		const [row] = await ownerDb()`
			select emailed_at from public.notifications where id = ${mention!.id}`;
		expect(row.emailed_at).not.toBeNull();

		await chat.edit(actor(cast.learnerG), {
			messageId: sent.message.id,
			body: 'Question: is Monday still on?'
		});
		const after = (await inbox(cast.leaderG)).items.find((item) => item.id === mention!.id);
		expect(after).toBeUndefined();
	});
});

describe('announcements', () => {
	it('reaches the audience when published, a scheduled one only when its time comes', async () => {
		const later = new Date(Date.now() + 3_600_000).toISOString();
		const scheduled = await announcements.create(actor(cast.leaderG), cast.G.id, {
			title: 'Field trip',
			body: 'Bring boots',
			publishAt: later
		});
		const before = (await inbox(cast.learnerG)).items.filter((item) =>
			item.title.includes('Field trip')
		);
		expect(before).toEqual([]);
		await ownerDb()`update public.announcements set publish_at = now() - interval '1 minute' where id = ${scheduled.id}`;
		await announcements.publish({ announcementId: scheduled.id });
		const item = (await inbox(cast.learnerG)).items.find((entry) =>
			entry.title.includes('Field trip')
		);
		expect(item).toMatchObject({
			kind: 'announcement',
			title: 'Announcement in Cohort 2026: Field trip',
			summary: 'Bring boots',
			link: `/groups/${cast.G.id}/announcements`
		});
		// The author is not told of their own announcement; a member of another group is not told.
		for (const who of [cast.leaderG, cast.learnerH]) {
			const theirs = (await inbox(who)).items.filter((entry) => entry.title.includes('Field trip'));
			expect(theirs).toEqual([]);
		}
	});
});

describe('preferences', () => {
	it('lists every kind with its default and refuses unknown kinds and choices with a clear error', async () => {
		const prefs = await notifications.preferences(actor(cast.learnerG1));
		expect(Object.fromEntries(prefs.map((p) => [p.kind, p.delivery]))).toMatchObject({
			mention: 'email',
			announcement: 'email',
			membership_added: 'in_app',
			course_message: 'in_app'
		});
		await expect(
			notifications.setPreferences(actor(cast.learnerG1), { mentions: 'off' })
		).rejects.toMatchObject({ status: 400, message: expect.stringContaining('mentions') });
		await expect(
			notifications.setPreferences(actor(cast.learnerG1), { mention: 'sometimes' })
		).rejects.toMatchObject({
			status: 400,
			message: expect.stringContaining('in_app, email, digest or off')
		});
		await expect(
			notifications.setPreferences(actor(cast.learnerG1), { course_message: 'digest' })
		).rejects.toMatchObject({ status: 400 });
		const unchanged = await notifications.preferences(actor(cast.learnerG1));
		expect(unchanged).toEqual(prefs);
	});

	it('stores nothing for a kind that is off, and emails nothing for one in the app only', async () => {
		await notifications.setPreferences(actor(cast.learnerG1), { mention: 'off' });
		await notifications.setPreferences(actor(cast.learnerG1a), { mention: 'in_app' });
		const channelId = await general(cast.G1.id, cast.leaderG1);
		await chat.send(actor(cast.leaderG1), {
			channelId,
			clientId: crypto.randomUUID(),
			body: 'Thanks @learnerG1 and @learnerG1a for the notes'
		});
		const silenced = (await inbox(cast.learnerG1)).items.filter((item) => item.kind === 'mention');
		expect(silenced).toEqual([]);
		const quiet = (await inbox(cast.learnerG1a)).items.filter((item) => item.kind === 'mention');
		expect(quiet).toHaveLength(1);
		await notifications.sendDue();
		expect(mailsTo(cast.learnerG1a.email, 'mentioned you')).toEqual([]);
	});
});

describe('the daily digest', () => {
	it('gathers a day of notifications into one email, sent once however often the job runs', async () => {
		const reader = await createUser({ name: 'Digest Dana' });
		await addOrganisationMember(cast.org.id, reader.id);
		await notifications.setPreferences(actor(reader), {
			membership_added: 'digest',
			mention: 'digest'
		});
		await memberships.add(actor(cast.orgAdmin), cast.G.id, { userIds: [reader.id] });
		await memberships.add(actor(cast.orgAdmin), cast.H.id, { userIds: [reader.id] });
		const channelId = await general(cast.G.id, cast.leaderG);
		await chat.send(actor(cast.leaderG), {
			channelId,
			clientId: crypto.randomUUID(),
			body: 'Welcome @Digest Dana, see the *reading list*'
		});
		// Digest kinds are not emailed at once.
		await notifications.sendDue();
		expect(sink.inbox.filter((mail) => mail.to.includes(reader.email))).toEqual([]);

		const [first, second] = await Promise.all([
			notifications.sendDigests(),
			notifications.sendDigests()
		]);
		expect(first + second).toBe(1);
		expect(await notifications.sendDigests()).toBe(0);
		const mails = await waitFor(() => {
			const found = sink.inbox.filter((mail) => mail.to.includes(reader.email));
			return found.length ? found : undefined;
		});
		// By subject, so a second mail says what it was (a fresh-clone CI run under load saw two).
		expect(mails.map((mail) => /^Subject: (.*)$/m.exec(unfold(mail.raw))?.[1])).toEqual([
			'Your Tessera digest: 3 new notifications'
		]);
		const raw = unfold(mails[0].raw);
		expect(raw).toContain('Your Tessera digest: 3 new notifications');
		expect(raw).toContain('added you to Cohort 2026');
		expect(raw).toContain('added you to Cohort 2025');
		expect(raw).toContain('<em>reading list</em>');
		expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
		expect(await notifications.sendDigests()).toBe(0);
	});
});

describe('the unsubscribe link', () => {
	it('turns that kind of email off for that person only, and an unknown link changes nothing', async () => {
		const [mail] = mailsTo(cast.leaderG.email, 'mentioned you in #general');
		const token = unfold(mail.raw).match(
			/List-Unsubscribe:\s+<https:\/\/tessera\.example\/unsubscribe\/([\w-]+)>/
		)![1];
		expect(await notifications.unsubscribeTarget(token)).toMatchObject({
			email: cast.leaderG.email,
			kind: 'mention'
		});
		expect(await notifications.unsubscribe('x'.repeat(43))).toBeNull();
		expect(await notifications.unsubscribe(token)).toMatchObject({ kind: 'mention' });
		const prefs = await notifications.preferences(actor(cast.leaderG));
		expect(prefs.find((p) => p.kind === 'mention')?.delivery).toBe('in_app');
		expect(prefs.find((p) => p.kind === 'announcement')?.delivery).toBe('email');

		const channelId = await general(cast.G.id, cast.learnerG);
		await chat.send(actor(cast.learnerG), {
			channelId,
			clientId: crypto.randomUUID(),
			body: 'Another one for @leaderG after unsubscribing'
		});
		const item = (await inbox(cast.leaderG)).items.find((entry) =>
			entry.summary.includes('after unsubscribing')
		);
		expect(item).toBeDefined();
		await notifications.sendDue();
		expect(mailsTo(cast.leaderG.email, 'after unsubscribing')).toEqual([]);
	});
});

describe('reading', () => {
	it('marks one, then all, read; ids of other people’s notifications change nothing', async () => {
		const mine = await inbox(cast.learnerG);
		expect(mine.unread).toBeGreaterThanOrEqual(2);
		const others = await inbox(cast.leaderG);
		const one = await notifications.markRead(actor(cast.learnerG), {
			ids: [mine.items[0].id, others.items[0].id]
		});
		expect(one).toEqual({ marked: 1, unread: mine.unread - 1 });
		expect((await inbox(cast.leaderG)).items[0].readAt).toBeNull();
		const all = await notifications.markRead(actor(cast.learnerG), { all: true });
		expect(all.unread).toBe(0);
		expect(await notifications.unreadCount(actor(cast.learnerG))).toBe(0);
		await expect(notifications.markRead(actor(cast.learnerG), { ids: [] })).rejects.toMatchObject({
			status: 400
		});
	});
});

describe('course messages', () => {
	it('tells the recipients of a course team’s message without naming the learner group', async () => {
		const course = await createCourse(cast.org.id);
		const instructor = await createUser({ name: 'Ivy Instructor' });
		const learner = await createUser({ name: 'Leo Learner' });
		await enrol(course.id, instructor.id, 'instructor');
		await enrol(course.id, learner.id);
		await progress.createActivity(actor(instructor), course.id, { title: 'Week 1' });
		await learnerGroups.enable(actor(instructor), course.id);
		const group = await learnerGroups.createNotStarted(actor(instructor), course.id);
		await learnerGroups.sendIntervention(actor(instructor), group.id, {
			subject: 'Need a hand?',
			body: 'Week 1 is waiting for you.'
		});
		const items = (await inbox(learner)).items;
		const message = items.find((item) => item.kind === 'course_message');
		expect(message).toMatchObject({
			title: `Message from ${course.code}: Need a hand?`,
			summary: 'Week 1 is waiting for you.',
			link: `/courses/${course.id}/activities`,
			groupId: null
		});
		// Being put in the learner group is never told.
		expect(items.filter((item) => item.kind === 'membership_added')).toEqual([]);
		const [groupName] = await ownerDb()`select name from public.groups where id = ${group.id}`;
		expect(JSON.stringify(items)).not.toContain(groupName.name);
	});
});
