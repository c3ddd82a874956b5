import { beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Tx } from '$lib/server/db';
import { actor, foundationCast } from '../helpers';
import {
	actorOf,
	attempt,
	castIds,
	changeMatrix,
	EVERYONE,
	LABEL,
	namesOf,
	snapshot,
	visibilityMatrix,
	type Cast
} from './matrix';

let cast: Cast;
const getCast = () => cast;
const courseIds = (cast: Cast) => [cast.course.id, cast.otherCourse.id, cast.foreignCourse.id];

beforeAll(async () => {
	cast = await foundationCast();
});

describe('courses', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'courses',
		expected: {
			anon: [],
			learner: ['course'],
			otherLearner: ['otherCourse'],
			suspended: [],
			instructor: ['course'],
			assistant: ['course'],
			otherOrgAdmin: ['foreignCourse'],
			orgAdmin: ['course', 'otherCourse'],
			platformAdmin: ['course', 'otherCourse', 'foreignCourse']
		},
		visible: async (tx, cast) =>
			namesOf(
				cast,
				(await tx`select id from public.courses where id = any(${courseIds(cast)}::uuid[])`).map(
					(r) => r.id
				)
			)
	});

	changeMatrix({
		cast: getCast,
		table: 'courses',
		kind: 'insert',
		action: 'create a course in the organisation',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`insert into public.courses (organisation_id, code, name) values (${cast.org.id}, 'NEW1', 'New')`
	});
	changeMatrix({
		cast: getCast,
		table: 'courses',
		kind: 'update',
		action: 'rename the course',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.courses set name = 'Renamed' where id = ${cast.course.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'courses',
		kind: 'delete',
		action: 'delete the course',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => tx`delete from public.courses where id = ${cast.course.id}`
	});

	for (const who of ['instructor', 'orgAdmin'] as const) {
		it(`stops ${LABEL[who]} moving the course into an organisation they do not run`, async () => {
			const before = await snapshot('courses');
			const outcome = await attempt(
				actorOf(cast, who),
				(tx) =>
					tx`update public.courses set organisation_id = ${cast.otherOrg.id} where id = ${cast.course.id}`,
				{ rollback: false }
			);
			expect(outcome).toEqual({ code: '42501' });
			expect(await snapshot('courses')).toBe(before);
		});
	}

	it('stops the admin of another organisation planting a course in the organisation', async () => {
		const outcome = await attempt(
			actorOf(cast, 'otherOrgAdmin'),
			(tx) =>
				tx`update public.courses set organisation_id = ${cast.org.id} where id = ${cast.foreignCourse.id}`,
			{ rollback: false }
		);
		expect(outcome).toEqual({ code: '42501' });
	});
});

describe('enrolments', () => {
	const enrolmentsSeen = async (tx: Tx, cast: Cast) => {
		const rows = await tx`
			select user_id from public.enrolments
			where course_id = any(${courseIds(cast)}::uuid[]) and user_id = any(${castIds(cast)}::uuid[])`;
		return namesOf(
			cast,
			rows.map((r) => r.user_id)
		);
	};
	const active = ['instructor', 'assistant', 'learner', 'fellow'];
	visibilityMatrix({
		cast: getCast,
		what: 'enrolments',
		expected: {
			anon: [],
			learner: active,
			otherLearner: ['otherLearner'],
			suspended: ['suspended'],
			instructor: [...active, 'suspended'],
			assistant: [...active, 'suspended'],
			otherOrgAdmin: ['foreignLearner'],
			orgAdmin: [...active, 'suspended', 'otherLearner'],
			platformAdmin: [...active, 'suspended', 'otherLearner', 'foreignLearner']
		},
		visible: enrolmentsSeen
	});

	it('hides suspended learners from a learner but shows them to staff', async () => {
		const suspendedSeen = async (who: 'learner' | 'instructor' | 'assistant') =>
			withUser(actorOf(cast, who), async (tx) => ({
				enrolment: (await tx`select 1 from public.enrolments where user_id = ${cast.suspended.id}`)
					.length,
				user: (await tx`select 1 from public.users where id = ${cast.suspended.id}`).length
			}));
		expect(await suspendedSeen('learner')).toEqual({ enrolment: 0, user: 0 });
		expect(await suspendedSeen('instructor')).toEqual({ enrolment: 1, user: 1 });
		expect(await suspendedSeen('assistant')).toEqual({ enrolment: 1, user: 1 });
	});

	it('hides the people of another course from a learner', async () => {
		const seen = await withUser(actor(cast.learner), async (tx) => ({
			enrolments: (
				await tx`select 1 from public.enrolments where course_id = ${cast.otherCourse.id}`
			).length,
			users: (
				await tx`select 1 from public.users where id in (${cast.otherLearner.id}, ${cast.foreignLearner.id})`
			).length
		}));
		expect(seen).toEqual({ enrolments: 0, users: 0 });
	});

	changeMatrix({
		cast: getCast,
		table: 'enrolments',
		kind: 'insert',
		action: 'enrol the stranger in the course',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => tx`
			insert into public.enrolments (course_id, user_id) values (${cast.course.id}, ${cast.stranger.id})`
	});
	changeMatrix({
		cast: getCast,
		table: 'enrolments',
		kind: 'update',
		action: 'suspend a learner of the course',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => tx`
			update public.enrolments set status = 'suspended' where course_id = ${cast.course.id} and user_id = ${cast.fellow.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'enrolments',
		kind: 'delete',
		action: 'unenrol a learner of the course',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`delete from public.enrolments where course_id = ${cast.course.id} and user_id = ${cast.fellow.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'enrolments',
		kind: 'insert',
		action: 'enrol someone in a course of another organisation',
		allowed: ['otherOrgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => tx`
			insert into public.enrolments (course_id, user_id) values (${cast.foreignCourse.id}, ${cast.stranger.id})`
	});

	for (const who of ['learner', 'assistant', 'suspended'] as const) {
		it(`stops ${LABEL[who]} promoting or reactivating their own enrolment`, async () => {
			const before = await snapshot('enrolments');
			const outcome = await attempt(
				actorOf(cast, who),
				(tx) => tx`
					update public.enrolments set role = 'instructor', status = 'active'
					where course_id = ${cast.course.id} and user_id = ${cast[who].id}`,
				{ rollback: false }
			);
			expect(outcome).toEqual({ count: 0 });
			expect(await snapshot('enrolments')).toBe(before);
		});
	}

	for (const who of EVERYONE.filter(
		(who) => !['anon', 'orgAdmin', 'platformAdmin'].includes(who)
	)) {
		it(`stops ${LABEL[who]} enrolling themselves in another course`, async () => {
			const before = await snapshot('enrolments');
			const outcome = await attempt(
				actorOf(cast, who),
				(tx) =>
					tx`insert into public.enrolments (course_id, user_id) values (${cast.otherCourse.id}, ${cast[who as 'learner'].id})`,
				{ rollback: false }
			);
			expect(outcome).toEqual({ code: '42501' });
			expect(await snapshot('enrolments')).toBe(before);
		});
	}

	it('stops the instructor moving an enrolment into a course they do not teach', async () => {
		const before = await snapshot('enrolments');
		const outcome = await attempt(
			actorOf(cast, 'instructor'),
			(tx) =>
				tx`update public.enrolments set course_id = ${cast.otherCourse.id} where course_id = ${cast.course.id} and user_id = ${cast.fellow.id}`,
			{ rollback: false }
		);
		expect(outcome).toEqual({ code: '42501' });
		expect(await snapshot('enrolments')).toBe(before);
	});
});
