import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetTransport } from '$lib/server/email';
import * as groups from '$lib/server/groups';
import * as learnerGroups from '$lib/server/learner-groups';
import * as progress from '$lib/server/progress';
import { listenForFactChanges, setRefreshScheduler } from '$lib/server/learner-groups/freshness';
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

type Received = { to: string[]; raw: string };

/** A real SMTP server in this process: it accepts every message and keeps it. */
function startSink(): Promise<{ port: number; inbox: Received[]; close: () => Promise<void> }> {
	const inbox: Received[] = [];
	const server = new SMTPServer({
		secure: false,
		authOptional: true,
		disabledCommands: ['STARTTLS'],
		onData(stream, session, callback) {
			let raw = '';
			stream.on('data', (chunk) => (raw += chunk.toString()));
			stream.on('end', () => {
				inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
				callback();
			});
		}
	});
	return new Promise((resolve) => {
		server.listen(0, '127.0.0.1', () => {
			const address = server.server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			resolve({ port, inbox, close: () => new Promise((done) => server.close(() => done())) });
		});
	});
}

let sink: Awaited<ReturnType<typeof startSink>>;
let org: { id: string };

beforeAll(async () => {
	sink = await startSink();
	process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
	resetTransport();
	org = await createOrganisation();
});

afterAll(async () => {
	setRefreshScheduler(null);
	delete process.env.SMTP_URL;
	resetTransport();
	await sink.close();
});

/** A course with an instructor, an assistant and learners; nobody has completed anything. */
async function courseWith(names: string[]) {
	const course = await createCourse(org.id);
	const instructor = await createUser({ name: 'Instructor' });
	const assistant = await createUser({ name: 'Assistant' });
	await enrol(course.id, instructor.id, 'instructor');
	await enrol(course.id, assistant.id, 'assistant');
	const learners: Record<string, TestUser> = {};
	for (const name of names) {
		learners[name] = await createUser({ name });
		await addOrganisationMember(org.id, learners[name].id);
		await enrol(course.id, learners[name].id);
	}
	const activity = await progress.createActivity(actor(instructor), course.id, { title: 'Week 1' });
	return { course, instructor, assistant, learners, activity };
}

const names = (people: { displayName: string }[]) => people.map((p) => p.displayName).sort();

describe('switching learner groups on', () => {
	it('is off by default, refused to learners, and switched on by an assistant', async () => {
		const { course, assistant, learners } = await courseWith(['Lea']);
		const staff = actor(assistant);
		expect((await learnerGroups.settings(staff, course.id)).learnerGroupsEnabled).toBe(false);
		await expect(learnerGroups.createNotStarted(staff, course.id)).rejects.toMatchObject({
			status: 409,
			code: 'learner_groups_off'
		});
		await expect(learnerGroups.enable(actor(learners.Lea), course.id)).rejects.toMatchObject({
			status: 404
		});
		expect((await learnerGroups.enable(staff, course.id)).learnerGroupsEnabled).toBe(true);
		const [audit] = await ownerDb()`
			select actor_id from public.audit_events
			where action = 'course_progress_settings.insert' and course_id = ${course.id}`;
		expect(audit.actor_id).toBe(assistant.id);
	});
});

describe('the "Not started" learner group', () => {
	it('holds the active learners with no completion, once per course, hidden from its members', async () => {
		const { course, instructor, learners, activity } = await courseWith(['Ana', 'Ben', 'Cy']);
		await ownerDb()`update public.enrolments set status = 'suspended' where user_id = ${learners.Cy.id}`;
		await progress.markComplete(actor(learners.Ben), activity.id);
		const staff = actor(instructor);
		await learnerGroups.enable(staff, course.id);
		const group = await learnerGroups.createNotStarted(staff, course.id);
		expect(group.name).toBe('Not started');
		expect(group.refreshMode).toBe('dynamic');
		expect(group.cadenceMinutes).toBe(60);
		expect(names(group.members)).toEqual(['Ana']);
		expect(group.refreshes).toHaveLength(1);
		expect(group.refreshes[0]).toMatchObject({ trigger: 'create', addedCount: 1, removedCount: 0 });
		expect(names(group.refreshes[0].added)).toEqual(['Ana']);
		await expect(learnerGroups.createNotStarted(staff, course.id)).rejects.toMatchObject({
			status: 409
		});
		// Ana is in it but may not see it, nor learn its name.
		await expect(groups.get(actor(learners.Ana), group.id)).rejects.toMatchObject({ status: 404 });
		await expect(learnerGroups.get(actor(learners.Ana), group.id)).rejects.toMatchObject({
			status: 404
		});
		const [memberRow] = await ownerDb()`
			select source from public.group_members where group_id = ${group.id} and user_id = ${learners.Ana.id}`;
		expect(memberRow.source).toBe('rule');
	});
});

describe('refreshing a learner group', () => {
	it('adds and removes exactly the people whose facts changed, and records who', async () => {
		const { course, instructor, learners, activity } = await courseWith(['Ada', 'Bo', 'Cleo']);
		const staff = actor(instructor);
		await learnerGroups.enable(staff, course.id);
		const group = await learnerGroups.create(staff, course.id, {
			name: 'Has not done week 1',
			refreshMode: 'static',
			criteria: {
				all: [
					{ type: 'enrolment', role: 'learner' },
					{ type: 'completed', activityId: activity.id, negate: true }
				]
			}
		});
		expect(names(group.members)).toEqual(['Ada', 'Bo', 'Cleo']);

		await progress.markComplete(actor(learners.Ada), activity.id);
		const late = await createUser({ name: 'Dee' });
		await enrol(course.id, late.id);
		const result = await learnerGroups.refresh(staff, group.id);
		expect(result).toMatchObject({ added: 1, removed: 1, members: 3 });

		const [latest] = await learnerGroups.refreshes(staff, group.id);
		expect(latest).toMatchObject({
			trigger: 'manual',
			addedCount: 1,
			removedCount: 1,
			memberCount: 3
		});
		expect(latest.requestedByName).toBe('Instructor');
		expect(names(latest.added)).toEqual(['Dee']);
		expect(names(latest.removed)).toEqual(['Ada']);
		expect(names((await learnerGroups.get(staff, group.id)).members)).toEqual([
			'Bo',
			'Cleo',
			'Dee'
		]);

		// Nothing changed: a manual refresh says so; a scheduled one leaves no history row.
		expect(await learnerGroups.refresh(staff, group.id)).toMatchObject({ added: 0, removed: 0 });
		const scheduled = await learnerGroups.runRefresh(group.id, 'schedule');
		expect(scheduled).toMatchObject({ added: 0, removed: 0, refreshId: null });
		expect(await learnerGroups.refreshes(staff, group.id)).toHaveLength(3);

		const audited = await ownerDb()`
			select action from public.audit_events
			where group_id = ${group.id} and action like 'group_members.%' order by id`;
		// Three at creation, then Dee in and Ada out (one statement; the order within it is free).
		expect(audited.map((row) => row.action).sort()).toEqual([
			'group_members.delete',
			'group_members.insert',
			'group_members.insert',
			'group_members.insert',
			'group_members.insert'
		]);
	});

	it('keeps a leader of the learner group, and survives concurrent refreshes', async () => {
		const { course, instructor, learners } = await courseWith(['Eli', 'Fay']);
		const staff = actor(instructor);
		await learnerGroups.enable(staff, course.id);
		const group = await learnerGroups.create(staff, course.id, {
			name: 'Everyone active',
			criteria: { all: [{ type: 'enrolment', role: 'learner', status: 'active' }] }
		});
		const tutor = await createUser({ name: 'Tutor' });
		await ownerDb()`
			insert into public.group_members (group_id, user_id, role) values (${group.id}, ${tutor.id}, 'leader')`;
		await ownerDb()`update public.enrolments set status = 'suspended' where user_id = ${learners.Fay.id}`;
		const results = await Promise.all([1, 2, 3].map(() => learnerGroups.refresh(staff, group.id)));
		expect(results.reduce((sum, r) => sum + r.removed, 0)).toBe(1);
		const rows = await ownerDb()`
			select user_id, role from public.group_members where group_id = ${group.id} order by role`;
		expect(rows.map((r) => [r.user_id, r.role])).toEqual([
			[tutor.id, 'leader'],
			[learners.Eli.id, 'member']
		]);
	});

	it('refreshes dynamic groups on their cadence and static ones only by hand', async () => {
		const { course, instructor } = await courseWith(['Gus']);
		const staff = actor(instructor);
		await learnerGroups.enable(staff, course.id);
		const criteria = { all: [{ type: 'enrolment', role: 'learner' }] };
		const dynamic = await learnerGroups.create(staff, course.id, {
			name: 'Dynamic',
			criteria,
			cadenceMinutes: 15
		});
		const fixed = await learnerGroups.create(staff, course.id, {
			name: 'Static',
			criteria,
			refreshMode: 'static'
		});
		const soon = new Date(Date.now() + 16 * 60 * 1000);
		const due = await learnerGroups.dueForRefresh(soon, 1000);
		expect(due).toContain(dynamic.id);
		expect(due).not.toContain(fixed.id);
		expect(await learnerGroups.dueForRefresh(new Date(), 1000)).not.toContain(dynamic.id);
	});

	it('schedules the dynamic groups that depend on completions when a learner completes an activity', async () => {
		const { course, instructor, learners, activity } = await courseWith(['Hal']);
		const staff = actor(instructor);
		await learnerGroups.enable(staff, course.id);
		const dependsOnCompletions = await learnerGroups.create(staff, course.id, {
			name: 'Not done',
			criteria: {
				all: [
					{ type: 'enrolment', role: 'learner' },
					{ type: 'completed', activityId: activity.id, negate: true }
				]
			}
		});
		await learnerGroups.create(staff, course.id, {
			name: 'By role only',
			criteria: { all: [{ type: 'enrolment', role: 'learner' }] }
		});
		const scheduled: string[] = [];
		setRefreshScheduler(async (groupId) => {
			scheduled.push(groupId);
		});
		const stop = await listenForFactChanges();
		try {
			await progress.markComplete(actor(learners.Hal), activity.id);
			await expect.poll(() => scheduled).toEqual([dependsOnCompletions.id]);
		} finally {
			await stop();
			setRefreshScheduler(null);
		}
		const result = await learnerGroups.runRefresh(dependsOnCompletions.id, 'event');
		expect(result).toMatchObject({ removed: 1, members: 0 });
	});

	it('refreshes at once when its criteria change, and refuses depending on itself', async () => {
		const { course, instructor } = await courseWith(['Ivy', 'Jo']);
		const staff = actor(instructor);
		await learnerGroups.enable(staff, course.id);
		const group = await learnerGroups.create(staff, course.id, {
			name: 'Nobody',
			criteria: { all: [{ type: 'enrolment', status: 'suspended' }] }
		});
		expect(group.members).toEqual([]);
		const updated = await learnerGroups.update(staff, group.id, {
			name: 'Everybody',
			criteria: { all: [{ type: 'enrolment', status: 'active', role: 'learner' }] }
		});
		expect(updated.name).toBe('Everybody');
		expect(names(updated.members)).toEqual(['Ivy', 'Jo']);
		await expect(
			learnerGroups.update(staff, group.id, {
				criteria: { all: [{ type: 'member', groupId: group.id }] }
			})
		).rejects.toMatchObject({ status: 400 });
	});
});

describe('using a learner group', () => {
	it('links under a course group, restricts an activity, and is deleted by staff only', async () => {
		const { course, instructor, learners } = await courseWith(['Kim', 'Lou']);
		const staff = actor(instructor);
		await learnerGroups.enable(staff, course.id);
		const tutorGroup = await groups.create(staff, { courseId: course.id, name: 'Tutorial 1' });
		const group = await learnerGroups.create(staff, course.id, {
			name: 'Kim only',
			criteria: { all: [{ type: 'member', groupId: tutorGroup.id, negate: true }] }
		});
		await ownerDb()`update public.enrolments set status = 'suspended' where user_id = ${learners.Lou.id}`;
		await learnerGroups.update(staff, group.id, {
			criteria: {
				all: [
					{ type: 'enrolment', status: 'active', role: 'learner' },
					{ type: 'member', groupId: tutorGroup.id, negate: true }
				]
			}
		});
		const linked = await learnerGroups.link(staff, group.id, { parentId: tutorGroup.id });
		expect(linked.parentName).toBe('Tutorial 1');
		const [foreign] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, name) values ('organisation', ${org.id}, 'Org group')
			returning id`;
		await expect(
			learnerGroups.link(staff, group.id, { parentId: foreign.id })
		).rejects.toMatchObject({ status: 400 });

		const extra = await progress.createActivity(staff, course.id, {
			title: 'Catch-up clinic',
			description: 'Room 4',
			restrictedTo: [group.id]
		});
		await ownerDb()`update public.enrolments set status = 'active' where user_id = ${learners.Lou.id}`;
		const kimView = await progress.listActivities(actor(learners.Kim), course.id);
		expect(kimView.activities.map((a) => a.title)).toContain('Catch-up clinic');
		const louView = await progress.listActivities(actor(learners.Lou), course.id);
		expect(louView.activities.map((a) => a.title)).not.toContain('Catch-up clinic');
		expect(louView.locked).toEqual([
			expect.objectContaining({ id: extra.id, title: 'Catch-up clinic' })
		]);
		expect(JSON.stringify(louView)).not.toContain('Kim only');
		expect(JSON.stringify(louView)).not.toContain('Room 4');

		await expect(learnerGroups.remove(actor(learners.Kim), group.id)).rejects.toMatchObject({
			status: 404
		});
		await learnerGroups.remove(staff, group.id);
		expect(await learnerGroups.list(staff, course.id)).toEqual([]);
	});

	it('sends an intervention by email to its members, keeps the history, and shows it to them', async () => {
		const { course, instructor, assistant, learners, activity } = await courseWith([
			'Mia',
			'Ned',
			'Oz'
		]);
		await progress.markComplete(actor(learners.Oz), activity.id);
		const staff = actor(assistant);
		await learnerGroups.enable(staff, course.id);
		const group = await learnerGroups.createNotStarted(staff, course.id);
		const before = sink.inbox.length;
		const sent = await learnerGroups.sendIntervention(staff, group.id, {
			subject: 'Week 1 is open',
			body: 'Start with the first reading — it takes ten minutes.'
		});
		expect(sent).toMatchObject({ recipientCount: 2, emailedCount: 2, sentByName: 'Assistant' });
		const mails = sink.inbox.slice(before);
		expect(mails.flatMap((m) => m.to).sort()).toEqual(
			[learners.Mia.email, learners.Ned.email].sort()
		);
		expect(mails[0].raw).toContain('Week 1 is open');

		const history = await learnerGroups.interventionHistory(actor(instructor), group.id);
		expect(history).toEqual([
			expect.objectContaining({
				subject: 'Week 1 is open',
				recipientCount: 2,
				sentByName: 'Assistant'
			})
		]);
		expect(await learnerGroups.inbox(actor(learners.Mia))).toEqual([
			expect.objectContaining({ subject: 'Week 1 is open', sentByName: 'Assistant' })
		]);
		expect(await learnerGroups.inbox(actor(learners.Oz))).toEqual([]);
		await expect(
			learnerGroups.interventionHistory(actor(learners.Mia), group.id)
		).rejects.toMatchObject({ status: 404 });
		await expect(
			learnerGroups.sendIntervention(actor(learners.Mia), group.id, { subject: 'x', body: 'y' })
		).rejects.toMatchObject({ status: 404 });
		await expect(
			learnerGroups.sendIntervention(staff, group.id, { subject: '  ', body: 'y' })
		).rejects.toMatchObject({ status: 400 });
		const [audit] = await ownerDb()`
			select actor_id from public.audit_events where action = 'interventions.insert' and course_id = ${course.id}`;
		expect(audit.actor_id).toBe(assistant.id);
	});
});
