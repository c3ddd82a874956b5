import { beforeAll, describe, expect, it } from 'vitest';
import { withUser } from '$lib/server/db';
import * as enrolments from '$lib/server/enrolments';
import * as organisations from '$lib/server/organisations';
import {
	actor,
	addOrganisationMember,
	createUser,
	enrol,
	foundationCast,
	ownerDb
} from '../helpers';
import { actorOf, attempt, changeMatrix, EVERYONE, LABEL, snapshot, type Cast } from './matrix';

let cast: Cast;
const getCast = () => cast;

beforeAll(async () => {
	cast = await foundationCast();
});

describe('audit_events', () => {
	// What each person may read, by where the event happened (the fixtures' own inserts are audited).
	const expected: Record<(typeof EVERYONE)[number], string[]> = {
		anon: [],
		learner: [],
		otherLearner: [],
		suspended: [],
		instructor: ['course'],
		assistant: [],
		otherOrgAdmin: ['foreignCourse', 'otherOrg'],
		orgAdmin: ['course', 'org', 'otherCourse'],
		platformAdmin: ['course', 'foreignCourse', 'org', 'otherCourse', 'otherOrg']
	};
	for (const who of EVERYONE) {
		it(`shows ${LABEL[who]} ${expected[who].length ? 'the history of ' + expected[who].join(', ') : 'no history'}`, async () => {
			const where = (row: { course_id: string | null; organisation_id: string | null }) => {
				for (const name of ['course', 'otherCourse', 'foreignCourse'] as const) {
					if (row.course_id === cast[name].id) return name;
				}
				for (const name of ['org', 'otherOrg'] as const) {
					if (row.organisation_id === cast[name].id) return name;
				}
				return 'elsewhere';
			};
			const seen = await withUser(
				actorOf(cast, who),
				(tx) => tx<{ course_id: string | null; organisation_id: string | null }[]>`
				select course_id, organisation_id from public.audit_events`
			);
			const all = await ownerDb()<{ course_id: string | null; organisation_id: string | null }[]>`
				select course_id, organisation_id from public.audit_events`;
			const places = [...new Set(seen.map(where))].sort();
			expect(places).toEqual(expected[who]);
			// Everything from a visible place, not a sample of it.
			expect(seen.length).toBe(all.filter((row) => expected[who].includes(where(row))).length);
		});
	}

	changeMatrix({
		cast: getCast,
		table: 'audit_events',
		kind: 'insert',
		action: 'write history directly',
		allowed: [],
		statement: (cast) => (tx) => tx`
			insert into public.audit_events (actor_id, action, course_id) values (${cast.learner.id}, 'enrolments.insert', ${cast.course.id})`
	});
	changeMatrix({
		cast: getCast,
		table: 'audit_events',
		kind: 'update',
		action: 'rewrite history',
		allowed: [],
		statement: () => (tx) => tx`update public.audit_events set actor_id = null, data = '{}'`
	});
	changeMatrix({
		cast: getCast,
		table: 'audit_events',
		kind: 'delete',
		action: 'erase history',
		allowed: [],
		statement: () => (tx) => tx`delete from public.audit_events`
	});

	for (const who of EVERYONE) {
		it(`stops ${LABEL[who]} truncating history, which RLS would not cover`, async () => {
			const before = await snapshot('audit_events');
			expect(
				await attempt(actorOf(cast, who), (tx) => tx`truncate public.audit_events`, {
					rollback: false
				})
			).toEqual({ code: '42501' });
			expect(await snapshot('audit_events')).toBe(before);
		});
	}

	it('records enrolment changes with the instructor as the actor and how they arrived', async () => {
		const newcomer = await createUser({ name: 'Newcomer' });
		// One of the organisation's people, whom its instructors may enrol by email.
		await addOrganisationMember(cast.org.id, newcomer.id);
		const instructor = actor(cast.instructor);
		const events = async () =>
			ownerDb()`
				select actor_id, action, organisation_id, course_id, via, data
				from public.audit_events where subject_user_id = ${newcomer.id} and action like 'enrolments.%'
				order by id`;

		await enrolments.enrolByEmails(
			instructor,
			cast.course.id,
			{ emails: newcomer.email },
			{ via: 'api' }
		);
		await enrolments.updateEnrolment(instructor, cast.course.id, newcomer.id, {
			status: 'suspended'
		});
		await enrolments.unenrol(instructor, cast.course.id, newcomer.id);

		const rows = await events();
		expect(
			rows.map((row) => [row.action, row.actor_id, row.via, row.course_id, row.organisation_id])
		).toEqual([
			['enrolments.insert', cast.instructor.id, 'api', cast.course.id, cast.org.id],
			['enrolments.update', cast.instructor.id, 'app', cast.course.id, cast.org.id],
			['enrolments.delete', cast.instructor.id, 'app', cast.course.id, cast.org.id]
		]);
		expect(rows[1].data.old.status).toBe('active');
		expect(rows[1].data.new.status).toBe('suspended');

		// The instructor reads the history of their course; the newcomer, a learner no more, reads none.
		const seenByInstructor = await withUser(
			instructor,
			(tx) => tx`select 1 from public.audit_events where subject_user_id = ${newcomer.id}`
		);
		expect(seenByInstructor).toHaveLength(3);
		const seenByNewcomer = await withUser(
			actor(newcomer),
			(tx) => tx`select 1 from public.audit_events`
		);
		expect(seenByNewcomer).toHaveLength(0);
	});

	it('records nothing for an enrolment that did not change', async () => {
		const [{ count: before }] = await ownerDb()`select count(*)::int from public.audit_events`;
		const report = await enrolments.enrolByEmails(actor(cast.instructor), cast.course.id, {
			emails: cast.fellow.email
		});
		expect(report.counts.unchanged).toBe(1);
		const [{ count: after }] = await ownerDb()`select count(*)::int from public.audit_events`;
		expect(after).toBe(before);
	});

	it('records organisation membership changes with the admin as the actor', async () => {
		const joiner = await createUser({ name: 'Joiner' });
		// A participant of one of the organisation's courses, whom its admin can see.
		await enrol(cast.course.id, joiner.id);
		await organisations.addMember(actor(cast.orgAdmin), cast.org.id, { email: joiner.email });
		await organisations.removeMember(actor(cast.orgAdmin), cast.org.id, joiner.id);
		const rows = await ownerDb()`
			select actor_id, action, organisation_id from public.audit_events
			where subject_user_id = ${joiner.id} and action like 'organisation_members.%' order by id`;
		expect(rows.map((row) => [row.action, row.actor_id, row.organisation_id])).toEqual([
			['organisation_members.insert', cast.orgAdmin.id, cast.org.id],
			['organisation_members.delete', cast.orgAdmin.id, cast.org.id]
		]);
	});
});
