import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as cohorts from '$lib/server/cohorts';
import * as enrolments from '$lib/server/enrolments';
import * as enrolmentInvites from '$lib/server/enrolments/invites';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import * as invites from '$lib/server/memberships/invites';
import { resetTransport } from '$lib/server/email';
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
import { startSink, unfold } from './smtp-sink';

// Issue 11 §4: a course group takes only the course's participants, an organisation's groups
// only its people; anyone else comes in through an invitation they accept, and no answer tells
// whether an email has an account.

const ORIGIN = 'https://tessera.example';
let sink: Awaited<ReturnType<typeof startSink>>;

let org: { id: string };
let otherOrg: { id: string };
let course: { id: string; code: string };
let orgAdmin: TestUser;
let instructor: TestUser;
let teamLeader: TestUser; // a learner who leads a course team (an automatic team leader)
let teammate: TestUser; // a learner of the course
let colleague: TestUser; // of the organisation, not in the course
let foreigner: TestUser; // of the other organisation
let platformAdmin: TestUser;
let cohort: { id: string };
let team: { id: string };

async function memberRows(groupId: string, userId: string) {
	return ownerDb()`select role, source from public.group_members where group_id = ${groupId} and user_id = ${userId}`;
}

const mailTo = (email: string) => sink.inbox.filter((mail) => mail.to.includes(email));
const linkIn = (email: string, path: 'invite' | 'enrol') => {
	const [mail] = mailTo(email);
	return unfold(mail.raw).match(new RegExp(`/${path}/([a-z2-7]+)`))![1];
};

beforeAll(async () => {
	sink = await startSink();
	process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
	resetTransport();
	org = await createOrganisation();
	otherOrg = await createOrganisation();
	course = await createCourse(org.id);
	orgAdmin = await createUser({ name: 'Olu Admin' });
	await addOrganisationMember(org.id, orgAdmin.id, 'admin');
	instructor = await createUser({ name: 'Ines Instructor' });
	await enrol(course.id, instructor.id, 'instructor');
	teamLeader = await createUser({ name: 'Tala Teamlead' });
	teammate = await createUser({ name: 'Tomas Teammate' });
	await enrol(course.id, teamLeader.id);
	await enrol(course.id, teammate.id);
	colleague = await createUser({ name: 'Cora Colleague' });
	await addOrganisationMember(org.id, colleague.id);
	foreigner = await createUser({ name: 'Fin Foreigner' });
	await addOrganisationMember(otherOrg.id, foreigner.id);
	platformAdmin = await createUser({ name: 'Pia Platform', admin: true });
	cohort = await groups.create(actor(orgAdmin), { organisationId: org.id, name: 'Cohort' });
	team = await groups.create(actor(instructor), { courseId: course.id, name: 'Team 1' });
	// The automatic leader of a team, as self sign-up with an automatic leader makes one.
	await ownerDb()`
		insert into public.group_members (group_id, user_id, role, source)
		values (${team.id}, ${teamLeader.id}, 'leader', 'auto')`;
});

afterAll(async () => {
	delete process.env.SMTP_URL;
	resetTransport();
	await sink.close();
});

beforeEach(() => {
	sink.inbox.length = 0;
});

describe('a learner who leads a course team', () => {
	const leader = () => actor(teamLeader);

	it('adds a fellow participant of the course', async () => {
		const report = await memberships.add(leader(), team.id, { emails: [teammate.email] });
		expect(report).toMatchObject({ added: 1, invited: [] });
		expect(await memberRows(team.id, teammate.id)).toEqual([{ role: 'member', source: 'manual' }]);
	});

	it('cannot add someone of another organisation, or of the organisation but not in the course', async () => {
		for (const outsider of [foreigner, colleague]) {
			await expect(
				memberships.add(leader(), team.id, { userIds: [outsider.id] })
			).rejects.toMatchObject({ status: 409, code: 'outside_scope' });
			expect(await memberRows(team.id, outsider.id)).toEqual([]);
		}
	});

	it('gets the same answer for an outsider’s email as for an unknown one, and nobody is emailed', async () => {
		const unknown = `nobody-${Date.now()}@nowhere.test`;
		const answers = [];
		for (const email of [foreigner.email, colleague.email, unknown]) {
			const report = await memberships.add(leader(), team.id, { emails: [email] }, 'app', {
				origin: ORIGIN
			});
			answers.push({ ...report, invited: report.invited.map(() => 'someone') });
		}
		expect(answers[0]).toEqual({
			added: 0,
			updated: 0,
			unchanged: 0,
			invited: ['someone'],
			invitesAdmitOutsiders: false,
			errors: [],
			moved: []
		});
		expect(answers[1]).toEqual(answers[0]);
		expect(answers[2]).toEqual(answers[0]);
		expect(await memberRows(team.id, foreigner.id)).toEqual([]);
		expect(await memberRows(team.id, colleague.id)).toEqual([]);
		// A leader's invitation cannot bring anyone into the course, so it goes to nobody outside it.
		expect(sink.inbox).toEqual([]);
	});

	it('cannot bring an outsider in through an invitation link', async () => {
		const created = await invites.create(leader(), team.id, { maxUses: 5 });
		expect(await invites.peek(created.token, foreigner.id)).toMatchObject({ effect: 'refused' });
		await expect(
			invites.redeem({ id: foreigner.id, email: foreigner.email }, created.token)
		).rejects.toMatchObject({ status: 403, code: 'outside_scope' });
		expect(await memberRows(team.id, foreigner.id)).toEqual([]);
		const [{ uses }] =
			await ownerDb()`select uses from public.group_invites where id = ${created.id}`;
		expect(uses).toBe(0);
		const enrolled =
			await ownerDb()`select 1 from public.enrolments where course_id = ${course.id} and user_id = ${foreigner.id}`;
		expect(enrolled).toEqual([]);
	});
});

describe('an organisation admin', () => {
	it('cannot add a person of another organisation to the organisation’s group', async () => {
		await expect(
			memberships.add(actor(orgAdmin), cohort.id, { userIds: [foreigner.id] })
		).rejects.toMatchObject({ status: 409, code: 'outside_scope' });
		expect(await memberRows(cohort.id, foreigner.id)).toEqual([]);
	});

	it('adds the organisation’s people directly', async () => {
		const report = await memberships.add(actor(orgAdmin), cohort.id, {
			emails: [colleague.email]
		});
		expect(report).toMatchObject({ added: 1, invited: [] });
	});

	it('invites an outsider by email; accepting makes them a member of the organisation and the group', async () => {
		const unknown = `new-${Date.now()}@nowhere.test`;
		const report = await memberships.add(
			actor(orgAdmin),
			cohort.id,
			{ emails: [foreigner.email, unknown] },
			'app',
			{ origin: ORIGIN }
		);
		expect(report).toMatchObject({
			added: 0,
			invited: [foreigner.email, unknown],
			invitesAdmitOutsiders: true
		});
		expect(await memberRows(cohort.id, foreigner.id)).toEqual([]);
		expect(mailTo(foreigner.email)).toHaveLength(1);
		expect(mailTo(unknown)).toHaveLength(1);
		expect(unfold(mailTo(unknown)[0].raw)).toContain(`${ORIGIN}/invite/`);

		const token = linkIn(foreigner.email, 'invite');
		expect(await invites.peek(token, foreigner.id)).toMatchObject({ effect: 'organisation' });
		// Only the person it names can use it.
		await expect(
			invites.redeem({ id: colleague.id, email: colleague.email }, token)
		).rejects.toMatchObject({ status: 404 });
		await invites.redeem({ id: foreigner.id, email: foreigner.email }, token);
		expect(await memberRows(cohort.id, foreigner.id)).toEqual([
			{ role: 'member', source: 'invite' }
		]);
		const [membership] = await ownerDb()`
			select role, added_by from public.organisation_members where organisation_id = ${org.id} and user_id = ${foreigner.id}`;
		expect(membership).toEqual({ role: 'member', added_by: orgAdmin.id });
	});
});

describe('a course instructor', () => {
	it('cannot add a non-participant to a course group', async () => {
		const outsider = await createUser({ name: 'Ned Nonparticipant' });
		await addOrganisationMember(org.id, outsider.id);
		await expect(
			memberships.add(actor(instructor), team.id, { userIds: [outsider.id] })
		).rejects.toMatchObject({ status: 409, code: 'outside_scope' });
		expect(await memberRows(team.id, outsider.id)).toEqual([]);
	});

	it('invites a non-participant by email; accepting enrols them and puts them in the group', async () => {
		const stranger = await createUser({ name: 'Sia Stranger' });
		const report = await memberships.add(
			actor(instructor),
			team.id,
			{ emails: [stranger.email] },
			'app',
			{ origin: ORIGIN }
		);
		expect(report).toMatchObject({ added: 0, invited: [stranger.email] });
		const token = linkIn(stranger.email, 'invite');
		expect(await invites.peek(token, stranger.id)).toMatchObject({
			effect: 'course',
			scopeName: expect.stringContaining(course.code)
		});
		await invites.redeem({ id: stranger.id, email: stranger.email }, token);
		expect(await memberRows(team.id, stranger.id)).toEqual([{ role: 'member', source: 'invite' }]);
		const [enrolment] = await ownerDb()`
			select role, status, enrolled_by from public.enrolments where course_id = ${course.id} and user_id = ${stranger.id}`;
		expect(enrolment).toEqual({ role: 'learner', status: 'active', enrolled_by: instructor.id });
	});
});

describe('a platform admin', () => {
	it('may add anyone to an organisation’s group and to a course group', async () => {
		const anyone = await createUser({ name: 'Ada Anyone' });
		const admin = actor(platformAdmin);
		await expect(
			memberships.add(admin, cohort.id, { userIds: [anyone.id] })
		).resolves.toMatchObject({ added: 1 });
		await expect(memberships.add(admin, team.id, { userIds: [anyone.id] })).resolves.toMatchObject({
			added: 1
		});
	});
});

describe('platform groups and cohort sync', () => {
	it('places a platform cohort’s people, enrolled by the link, in the course group', async () => {
		const admin = actor(platformAdmin);
		const platformCohort = await groups.create(admin, { name: 'Exchange students' });
		const visitor = await createUser({ name: 'Vik Visitor' });
		await memberships.add(admin, platformCohort.id, { userIds: [visitor.id] });
		const target = await groups.create(actor(instructor), {
			courseId: course.id,
			name: 'Exchange'
		});
		await cohorts.link(admin, course.id, { groupId: platformCohort.id, target: target.id });
		expect(await memberRows(target.id, visitor.id)).toEqual([{ role: 'member', source: 'sync' }]);
		// And a newcomer to the cohort, added by its leader, follows the same path.
		const newcomer = await createUser({ name: 'Nia Newcomer' });
		await memberships.add(admin, platformCohort.id, { userIds: [newcomer.id] });
		expect(await memberRows(target.id, newcomer.id)).toEqual([{ role: 'member', source: 'sync' }]);
	});
});

describe('enrolling by email', () => {
	it('answers the same for someone the enroller cannot see and for an unknown email, and emails both', async () => {
		const elsewhere = await createUser({ name: 'Eli Elsewhere' });
		const unknown = `unknown-${Date.now()}@nowhere.test`;
		const preview = await enrolments.enrolByEmails(
			actor(instructor),
			course.id,
			{ emails: `${elsewhere.email}, ${unknown}` },
			{ apply: false }
		);
		expect(preview.rows.map((row) => [row.status, row.message, row.displayName])).toEqual([
			['invite', 'Will be sent an invitation to enrol.', null],
			['invite', 'Will be sent an invitation to enrol.', null]
		]);
		expect(sink.inbox).toEqual([]);

		const applied = await enrolments.enrolByEmails(
			actor(instructor),
			course.id,
			{ emails: `${elsewhere.email}, ${unknown}`, role: 'assistant' },
			{ origin: ORIGIN }
		);
		expect(applied.counts).toMatchObject({ enrol: 0, invite: 2, error: 0 });
		expect(mailTo(elsewhere.email)).toHaveLength(1);
		expect(mailTo(unknown)).toHaveLength(1);
		const enrolled =
			await ownerDb()`select 1 from public.enrolments where course_id = ${course.id} and user_id = ${elsewhere.id}`;
		expect(enrolled).toEqual([]);

		const token = linkIn(elsewhere.email, 'enrol');
		expect(await enrolmentInvites.peek(token)).toMatchObject({
			courseId: course.id,
			email: elsewhere.email,
			role: 'assistant'
		});
		await expect(
			enrolmentInvites.redeem({ id: teammate.id, email: teammate.email }, token)
		).rejects.toMatchObject({ status: 404 });
		await enrolmentInvites.redeem({ id: elsewhere.id, email: elsewhere.email }, token);
		const [row] = await ownerDb()`
			select role, status from public.enrolments where course_id = ${course.id} and user_id = ${elsewhere.id}`;
		expect(row).toEqual({ role: 'assistant', status: 'active' });
		// Used once.
		await expect(
			enrolmentInvites.redeem({ id: elsewhere.id, email: elsewhere.email }, token)
		).rejects.toMatchObject({ status: 404 });
	});

	it('still shows names for the organisation’s people, whom its instructors may enrol', async () => {
		const preview = await enrolments.enrolByEmails(
			actor(instructor),
			course.id,
			{ emails: colleague.email },
			{ apply: false }
		);
		expect(preview.rows).toMatchObject([{ status: 'enrol', displayName: 'Cora Colleague' }]);
	});
});
