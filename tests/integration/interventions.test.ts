import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CourseMessagePayload } from '$lib/realtime/events';
import * as announcements from '$lib/server/announcements';
import { withUser } from '$lib/server/db';
import { resetTransport } from '$lib/server/email';
import * as groups from '$lib/server/groups';
import * as learnerGroups from '$lib/server/learner-groups';
import * as interventions from '$lib/server/learner-groups/interventions';
import * as progress from '$lib/server/progress';
import { setRefreshScheduler } from '$lib/server/learner-groups/freshness';
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
import { collect, connectAs, next, pause, startServer, type Client } from './realtime-helpers';
import { startSink, unfold } from './smtp-sink';

// Interventions are posted to the learner group's announcements, delivered to its members without
// the group's name: a real SMTP sink, a real Socket.IO server and client, real Postgres and RLS.

const SECRET = 'Quietly behind Zx9';

let sink: Awaited<ReturnType<typeof startSink>>;
let server: Awaited<ReturnType<typeof startServer>>;
const clients: Client[] = [];

beforeAll(async () => {
	process.env.MEMBERSHIP_SWEEP_MS = '600000';
	// Refreshes run when a test asks for them, never behind its back after a completion.
	setRefreshScheduler(async () => {});
	sink = await startSink();
	process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
	resetTransport();
	server = await startServer();
});

afterAll(async () => {
	for (const client of clients) client.disconnect();
	await server.close();
	setRefreshScheduler(null);
	delete process.env.SMTP_URL;
	resetTransport();
	await sink.close();
});

/** A course with learner groups on, its "Not started" group (renamed to SECRET) and its staff. */
async function courseWithLearnerGroup(names: string[], done: string[] = []) {
	const org = await createOrganisation();
	const course = await createCourse(org.id);
	const instructor = await createUser({ name: 'Ines Instructor' });
	const assistant = await createUser({ name: 'Asa Assistant' });
	await enrol(course.id, instructor.id, 'instructor');
	await enrol(course.id, assistant.id, 'assistant');
	const learners: Record<string, TestUser> = {};
	for (const name of names) {
		learners[name] = await createUser({ name });
		await addOrganisationMember(org.id, learners[name].id);
		await enrol(course.id, learners[name].id);
	}
	const activity = await progress.createActivity(actor(instructor), course.id, { title: 'Week 1' });
	for (const name of done) await progress.markComplete(actor(learners[name]), activity.id);
	await learnerGroups.enable(actor(instructor), course.id);
	const group = await learnerGroups.createNotStarted(actor(instructor), course.id);
	await ownerDb()`update public.groups set name = ${SECRET} where id = ${group.id}`;
	return { org, course, instructor, assistant, learners, activity, group };
}

const countRows = async (table: string, column: string, value: string) => {
	const [row] = await ownerDb().unsafe(
		`select count(*)::int as n from public.${table} where ${column} = $1`,
		[value]
	);
	return row.n as number;
};

describe('sending an intervention', () => {
	it('posts exactly one published announcement linked from it, and emails each recipient once', async () => {
		const { course, assistant, learners, group } = await courseWithLearnerGroup(
			['Mia', 'Ned', 'Oz'],
			['Oz']
		);
		const before = sink.inbox.length;
		const sent = await learnerGroups.sendIntervention(actor(assistant), group.id, {
			subject: 'Week 1 is open',
			body: 'Start with the first reading — it takes ten minutes.'
		});
		expect(sent).toMatchObject({
			recipientCount: 2,
			emailedCount: 2,
			announced: true,
			announcementId: expect.any(String),
			seenCount: 0
		});
		const posted = await ownerDb()`
			select id, group_id, author_id, title, body, published_at, publish_at, include_subgroups
			from public.announcements where group_id = ${group.id}`;
		expect(posted).toHaveLength(1);
		expect(posted[0]).toMatchObject({
			id: sent.announcementId,
			author_id: assistant.id,
			title: 'Week 1 is open',
			body: 'Start with the first reading — it takes ten minutes.',
			include_subgroups: false
		});
		expect(posted[0].published_at).toBeInstanceOf(Date);
		expect(posted[0].published_at.getTime()).toBe(posted[0].publish_at.getTime());

		const mails = sink.inbox.slice(before);
		expect(mails.flatMap((m) => m.to).sort()).toEqual(
			[learners.Mia.email, learners.Ned.email].sort()
		);
		for (const mail of mails) {
			expect(unfold(mail.raw)).toContain(`[${course.code}] Week 1 is open`);
			expect(unfold(mail.raw)).not.toContain(SECRET);
		}

		// The announcement jobs never send it again: it is published, and not the fan-out's to send.
		expect(await announcements.publishOverdue()).toBe(0);
		expect(await announcements.emailAudience({ announcementId: sent.announcementId! })).toBe(0);
		await announcements.publish({ announcementId: sent.announcementId! });
		await pause(200);
		expect(sink.inbox.length - before).toBe(2);
		expect(
			await countRows('announcement_deliveries', 'announcement_id', sent.announcementId!)
		).toBe(0);
		const [audit] = await ownerDb()`
			select actor_id from public.audit_events
			where action = 'announcements.insert' and group_id = ${group.id}`;
		expect(audit.actor_id).toBe(assistant.id);
	});

	it('shows the message to a member without the group: inbox, socket and group lookups', async () => {
		const { course, instructor, learners, group } = await courseWithLearnerGroup(
			['Ava', 'Bo'],
			['Bo']
		);
		const [ava, bo] = await Promise.all([
			connectAs(server.url, learners.Ava, clients),
			connectAs(server.url, learners.Bo, clients)
		]);
		const strangers = collect<CourseMessagePayload>(bo, 'course-message:new');
		const everything: unknown[] = [];
		ava.onAny((...args) => everything.push(args));
		const arrival = next<CourseMessagePayload>(
			ava,
			'course-message:new',
			(payload) => payload.subject === 'Live: catch up'
		);
		const sent = await learnerGroups.sendIntervention(actor(instructor), group.id, {
			subject: 'Live: catch up',
			body: 'Office hours today at 4.'
		});
		const payload = await arrival;
		expect(payload).toEqual({
			id: sent.id,
			announcementId: sent.announcementId,
			courseId: course.id,
			courseCode: course.code,
			courseName: `Course ${course.code}`,
			// Who sent it, so the learner can answer in a direct message (issue 14 §3).
			sentById: instructor.id,
			sentByName: 'Ines Instructor',
			subject: 'Live: catch up',
			body: 'Office hours today at 4.',
			createdAt: expect.any(String)
		});
		await pause(200);
		expect(strangers).toEqual([]);
		// Nothing the socket carried names the group or gives its id.
		const carried = JSON.stringify(everything);
		expect(carried).not.toContain(SECRET);
		expect(carried).not.toContain(group.id);

		const inbox = await learnerGroups.inbox(actor(learners.Ava));
		expect(inbox).toEqual([
			expect.objectContaining({
				id: sent.id,
				announcementId: sent.announcementId,
				subject: 'Live: catch up',
				sentByName: 'Ines Instructor',
				seen: false
			})
		]);
		expect(JSON.stringify(inbox)).not.toContain(SECRET);
		expect(JSON.stringify(inbox)).not.toContain(group.id);
		expect(await learnerGroups.inbox(actor(learners.Bo))).toEqual([]);

		// The group itself stays hidden from its member, and so do the group's feed and the
		// announcement's group-side view.
		await expect(groups.get(actor(learners.Ava), group.id)).rejects.toMatchObject({ status: 404 });
		await expect(announcements.list(actor(learners.Ava), group.id)).rejects.toMatchObject({
			status: 404
		});
		await expect(
			announcements.get(actor(learners.Ava), sent.announcementId!)
		).rejects.toMatchObject({ status: 404 });
		const groupRows = await withUser(
			actor(learners.Ava),
			(tx) => tx`select name from public.groups where id = ${group.id}`
		);
		expect(groupRows).toHaveLength(0);
	});

	it('counts who has seen it: the learner marks it seen, staff see 1 of M', async () => {
		const { instructor, assistant, learners, group } = await courseWithLearnerGroup([
			'Cal',
			'Dot',
			'Eve'
		]);
		const sent = await learnerGroups.sendIntervention(actor(instructor), group.id, {
			subject: 'Reminder',
			body: 'The quiz closes Friday.'
		});
		expect(await interventions.markSeen(actor(learners.Cal), [sent.id])).toEqual({ marked: 1 });
		// Again: nothing new; someone else's message id: ignored.
		expect(await interventions.markSeen(actor(learners.Cal), [sent.id])).toEqual({ marked: 0 });
		const other = await courseWithLearnerGroup(['Fay']);
		const foreign = await learnerGroups.sendIntervention(actor(other.instructor), other.group.id, {
			subject: 'Elsewhere',
			body: 'Not for Cal.'
		});
		expect(await interventions.markSeen(actor(learners.Cal), [foreign.id])).toEqual({ marked: 0 });
		// Staff marking a message they sent does not count as a recipient seeing it.
		await announcements.markSeen(actor(instructor), [sent.announcementId]);

		const [history] = await learnerGroups.interventionHistory(actor(assistant), group.id);
		expect(history).toMatchObject({ recipientCount: 3, seenCount: 1, announced: true });
		expect((await learnerGroups.inbox(actor(learners.Cal)))[0].seen).toBe(true);
		expect((await learnerGroups.inbox(actor(learners.Dot)))[0].seen).toBe(false);
		expect(await interventions.unseenCount(actor(learners.Dot), history.courseId)).toBe(1);
		expect(await interventions.unseenCount(actor(learners.Cal), history.courseId)).toBe(0);

		await expect(interventions.markSeen(actor(learners.Cal), [])).rejects.toMatchObject({
			status: 400
		});
		await expect(interventions.markSeen(actor(learners.Cal), ['nope'])).rejects.toMatchObject({
			status: 400
		});
		await expect(interventions.markSeen(actor(learners.Cal), 'x')).rejects.toMatchObject({
			status: 400
		});
	});

	it('keeps older messages without an announcement readable, unannounced and untracked', async () => {
		const { course, instructor, learners, group } = await courseWithLearnerGroup(['Gus']);
		const [old] = await ownerDb()`
			insert into public.interventions (group_id, group_name, course_id, sent_by, subject, body, recipient_count)
			values (${group.id}, '', ${course.id}, ${instructor.id}, 'Before the channel', 'Old text', 1)
			returning id, announced`;
		expect(old.announced).toBe(false);
		await ownerDb()`
			insert into public.intervention_recipients (intervention_id, user_id, course_id)
			values (${old.id}, ${learners.Gus.id}, ${course.id})`;
		const [history] = await learnerGroups.interventionHistory(actor(instructor), group.id);
		expect(history).toMatchObject({ announced: false, announcementId: null, seenCount: null });
		const [received] = await learnerGroups.inbox(actor(learners.Gus));
		expect(received).toMatchObject({
			announcementId: null,
			seen: null,
			subject: 'Before the channel'
		});
		expect(await interventions.markSeen(actor(learners.Gus), [old.id])).toEqual({ marked: 0 });
		expect(await interventions.unseenCount(actor(learners.Gus), course.id)).toBe(0);
	});
});

describe('bad input and half-written messages', () => {
	it('refuses empty and huge subjects and bodies, and changes nothing', async () => {
		const { instructor, group } = await courseWithLearnerGroup(['Hal']);
		const before = sink.inbox.length;
		const cases = [
			{ subject: '', body: 'x' },
			{ subject: '   ', body: 'x' },
			{ subject: 'x', body: '' },
			{ subject: 'x'.repeat(201), body: 'x' },
			{ subject: 'x', body: 'x'.repeat(10_001) },
			{ subject: 42, body: 'x' },
			{ body: 'x' },
			null
		];
		for (const input of cases) {
			await expect(
				learnerGroups.sendIntervention(actor(instructor), group.id, input)
			).rejects.toMatchObject({ status: 400 });
		}
		expect(await countRows('interventions', 'group_id', group.id)).toBe(0);
		expect(await countRows('announcements', 'group_id', group.id)).toBe(0);
		expect(sink.inbox.length).toBe(before);
	});

	it('keeps unicode and the longest allowed text as written', async () => {
		const { instructor, learners, group } = await courseWithLearnerGroup(['Ida']);
		const subject = 'Ünïcödé 📚 — 日本語 '.padEnd(200, 'é');
		const body = 'Zeilen\nmit “Anführung” & <b>tags</b> 🚀 '.padEnd(10_000, 'ß');
		const sent = await learnerGroups.sendIntervention(actor(instructor), group.id, {
			subject: `  ${subject}  `,
			body
		});
		expect(sent.subject).toBe(subject.trim());
		const [announcement] = await ownerDb()`
			select title, body from public.announcements where id = ${sent.announcementId}`;
		expect(announcement).toEqual({ title: subject.trim(), body: body.trim() });
		expect((await learnerGroups.inbox(actor(learners.Ida)))[0].body).toBe(body.trim());
	});

	it('sends only to learner groups, and only staff of their course', async () => {
		const a = await courseWithLearnerGroup(['Jo']);
		const b = await courseWithLearnerGroup(['Kai']);
		const plain = await groups.create(actor(a.instructor), {
			courseId: a.course.id,
			name: 'Tutorial 1'
		});
		const message = { subject: 'Hello', body: 'Hi' };
		await expect(
			learnerGroups.sendIntervention(actor(a.instructor), plain.id, message)
		).rejects.toMatchObject({ status: 404 });
		await expect(
			learnerGroups.sendIntervention(actor(a.instructor), b.group.id, message)
		).rejects.toMatchObject({ status: 404 });
		await expect(
			learnerGroups.sendIntervention(actor(a.learners.Jo), a.group.id, message)
		).rejects.toMatchObject({ status: 404 });
		await expect(
			learnerGroups.sendIntervention(actor(a.instructor), 'not-a-uuid', message)
		).rejects.toMatchObject({ status: 404 });
		for (const id of [plain.id, b.group.id, a.group.id]) {
			expect(await countRows('announcements', 'group_id', id)).toBe(0);
			expect(await countRows('interventions', 'group_id', id)).toBe(0);
		}
	});

	it('never leaves an announcement without its intervention, nor a normal announcement in a learner group', async () => {
		const { instructor, group } = await courseWithLearnerGroup(['Lu']);
		// Staff may insert it (the policy), but not on its own: refused when the transaction commits.
		await expect(
			withUser(
				actor(instructor),
				(tx) => tx`
					insert into public.announcements (group_id, author_id, title, body, publish_at, published_at)
					values (${group.id}, ${instructor.id}, 'Alone', 'No intervention', now(), now())`
			)
		).rejects.toMatchObject({ code: '23514' });
		// A normal announcement there would be fanned out by email with the group's name.
		await expect(
			announcements.create(actor(instructor), group.id, { title: 'Normal', body: 'Post' })
		).rejects.toMatchObject({ status: 409, code: 'learner_group' });
		// An intervention pointing at another group's announcement is refused.
		const other = await courseWithLearnerGroup(['Max']);
		const elsewhere = await learnerGroups.sendIntervention(
			actor(other.instructor),
			other.group.id,
			{
				subject: 'Theirs',
				body: 'Body'
			}
		);
		await expect(
			ownerDb()`
				insert into public.interventions (group_id, group_name, course_id, sent_by, subject, body, announcement_id)
				values (${group.id}, '', ${other.course.id}, ${other.instructor.id}, 'x', 'y', ${elsewhere.announcementId})`
		).rejects.toMatchObject({ code: '23514' });
		expect(await countRows('announcements', 'group_id', group.id)).toBe(0);
		expect(await countRows('interventions', 'group_id', group.id)).toBe(0);
	});
});

describe('a recipient who leaves the learner group', () => {
	it('keeps reading what they received; a new member reads the feed, not older inbox items', async () => {
		const { instructor, learners, activity, group } = await courseWithLearnerGroup(['Nia', 'Ola']);
		const sent = await learnerGroups.sendIntervention(actor(instructor), group.id, {
			subject: 'Before you finished',
			body: 'Text'
		});
		await progress.markComplete(actor(learners.Nia), activity.id);
		const refreshed = await learnerGroups.refresh(actor(instructor), group.id);
		expect(refreshed.removed).toBe(1);
		const [still] = await ownerDb()`
			select count(*)::int as n from public.group_members
			where group_id = ${group.id} and user_id = ${learners.Nia.id} and valid_until > now()`;
		expect(still.n).toBe(0);
		const readable = (who: TestUser) =>
			withUser(
				actor(who),
				(tx) => tx`select id from public.announcements where id = ${sent.announcementId}`
			);
		expect(await readable(learners.Nia)).toHaveLength(1);
		expect(await interventions.markSeen(actor(learners.Nia), [sent.id])).toEqual({ marked: 1 });
		expect((await learnerGroups.inbox(actor(learners.Nia)))[0]).toMatchObject({ seen: true });
		// A current member, whether or not a recipient, reads the group's messages.
		expect(await readable(learners.Ola)).toHaveLength(1);
		const newcomer = await createUser({ name: 'Pia' });
		// As a refresh adds someone (rule-based groups take no manual members).
		await ownerDb()`
			insert into public.group_members (group_id, user_id, role, source)
			values (${group.id}, ${newcomer.id}, 'member', 'rule')`;
		expect(await readable(newcomer)).toHaveLength(1);
		expect(await learnerGroups.inbox(actor(newcomer))).toEqual([]);
	});
});
