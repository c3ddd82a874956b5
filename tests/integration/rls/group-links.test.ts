import { beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '$lib/server/db';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb
} from '../helpers';
import {
	actorOf,
	attempt,
	changeMatrix,
	EVERYONE,
	expectRefused,
	groupRlsCast,
	LABEL,
	visibilityMatrix,
	type GroupCast,
	type Who
} from './group-matrix';

let cast: GroupCast;
const getCast = () => cast;

beforeAll(async () => {
	cast = await groupRlsCast();
});

const LINK_TABLES = ['course_group_links', 'course_link_members', 'enrolments', 'group_members'];

describe('course_group_links', () => {
	// Learners enrolled through the link (everyone in G) are not course staff: they see nothing.
	visibilityMatrix({
		cast: getCast,
		what: 'course links',
		expected: {
			anon: [],
			learnerG: [],
			learnerG1: [],
			learnerH: [],
			leaderG: [],
			leaderG1: [],
			leaderH: [],
			outsider: [],
			instructor: ['L'],
			otherOrgAdmin: ['FL'],
			orgAdmin: ['L'],
			platformAdmin: ['L', 'FL']
		},
		visible: async (tx, cast) =>
			(await tx`select id from public.course_group_links`).map((r) => cast.name(r.id))
	});

	const link =
		(course: 'course' | 'spareCourse' | 'foreignCourse', group: keyof GroupCast['groups']) =>
		(cast: GroupCast) =>
		(tx: Tx) =>
			tx`insert into public.course_group_links (course_id, group_id) values (${cast[course]}, ${cast.groups[group]})`;

	changeMatrix({
		cast: getCast,
		table: 'course_group_links',
		kind: 'insert',
		action: 'link the scope-visible group S to the course',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: link('course', 'S')
	});
	changeMatrix({
		cast: getCast,
		table: 'course_group_links',
		kind: 'insert',
		action: 'link H, which the instructor cannot see, to the course',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: link('course', 'H')
	});
	changeMatrix({
		cast: getCast,
		table: 'course_group_links',
		kind: 'insert',
		action: 'link the hidden group to the course',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: link('course', 'Hid')
	});
	changeMatrix({
		cast: getCast,
		table: 'course_group_links',
		kind: 'insert',
		action: 'link S to a course the instructor does not teach',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: link('spareCourse', 'S')
	});
	changeMatrix({
		cast: getCast,
		table: 'course_group_links',
		kind: 'insert',
		action: 'link the other organisation’s group to a course of the organisation',
		allowed: ['platformAdmin'],
		statement: link('spareCourse', 'F')
	});
	changeMatrix({
		cast: getCast,
		table: 'course_group_links',
		kind: 'insert',
		action: 'link a group of the organisation to the other organisation’s course',
		allowed: ['platformAdmin'],
		statement: link('foreignCourse', 'S')
	});
	changeMatrix({
		cast: getCast,
		table: 'course_group_links',
		kind: 'update',
		action: 'make the link unenrol on removal',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.course_group_links set removal_policy = 'unenrol' where id = ${cast.links.L}`
	});
	changeMatrix({
		cast: getCast,
		table: 'course_group_links',
		kind: 'update',
		action: 'make the link enrol instructors',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.course_group_links set course_role = 'instructor' where id = ${cast.links.L}`
	});
	changeMatrix({
		cast: getCast,
		table: 'course_group_links',
		kind: 'delete',
		action: 'unlink G from the course',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`delete from public.course_group_links where id = ${cast.links.L}`
	});

	describe('escalation', () => {
		// The link's course and group are fixed for everyone: relinking is unlink and link.
		for (const who of ['instructor', 'orgAdmin', 'otherOrgAdmin', 'platformAdmin'] as const) {
			it(`stops ${LABEL[who]} re-pointing a link at another group or course`, async () => {
				const me = actorOf(cast, who);
				const { L, FL } = cast.links;
				for (const id of [L, FL]) {
					await expectRefused(
						me,
						(tx) =>
							tx`update public.course_group_links set group_id = ${cast.groups.Hid} where id = ${id}`,
						{ code: '42501' },
						LINK_TABLES
					);
					await expectRefused(
						me,
						(tx) =>
							tx`update public.course_group_links set course_id = ${cast.spareCourse} where id = ${id}`,
						{ code: '42501' },
						LINK_TABLES
					);
				}
			});
		}

		it('stops the instructor placing linked people in a group that is not the course’s', async () => {
			const me = actorOf(cast, 'instructor');
			await expectRefused(
				me,
				(tx) => tx`insert into public.course_group_links (course_id, group_id, target_group_id)
					values (${cast.course}, ${cast.groups.S}, ${cast.groups.G1})`,
				{ code: '42501' },
				LINK_TABLES
			);
			await expectRefused(
				me,
				(tx) =>
					tx`update public.course_group_links set target_group_id = ${cast.groups.G1} where id = ${cast.links.L}`,
				{ code: '42501' },
				LINK_TABLES
			);
		});

		it('stops the organisation admin placing linked people in an organisation group rather than a course group', async () => {
			await expectRefused(
				actorOf(cast, 'orgAdmin'),
				(tx) =>
					tx`update public.course_group_links set target_group_id = ${cast.groups.H} where id = ${cast.links.L}`,
				{ code: '42501' },
				LINK_TABLES
			);
		});

		it('lets the instructor place linked people in a group of the course', async () => {
			const [target] = await ownerDb()<{ id: string }[]>`
				insert into public.groups (scope, organisation_id, course_id, name)
				values ('course', ${cast.org}, ${cast.course}, 'Tutorial 1') returning id`;
			try {
				const outcome = await attempt(
					actorOf(cast, 'instructor'),
					(tx) =>
						tx`update public.course_group_links set target_group_id = ${target.id} where id = ${cast.links.L}`,
					{ rollback: true }
				);
				expect(outcome).toEqual({ count: 1 });
			} finally {
				await ownerDb()`delete from public.groups where id = ${target.id}`;
			}
		});

		it('stops an instructor who belongs to a cohort only through a sub-group linking the whole cohort', async () => {
			// They see that the cohort exists, not who is in it; a link would enrol them all in
			// the instructor's course, where the instructor sees every enrolment.
			const org = await createOrganisation();
			const teacher = await createUser();
			const cohortMember = await createUser();
			await addOrganisationMember(org.id, teacher.id);
			const course = await createCourse(org.id);
			await enrol(course.id, teacher.id, 'instructor');
			const insert = (name: string, parentId: string | null, visibility = 'members') =>
				ownerDb()<{ id: string }[]>`
					insert into public.groups (scope, organisation_id, parent_id, name, visibility)
					values ('organisation', ${org.id}, ${parentId}, ${name}, ${visibility}) returning id`.then(
					([row]) => row.id
				);
			const cohort = await insert('Cohort', null);
			const team = await insert('Team', cohort);
			const mentees = await insert('Mentees', null, 'own');
			await ownerDb()`insert into public.group_members (group_id, user_id) values
				(${cohort}, ${cohortMember.id}), (${team}, ${teacher.id}), (${mentees}, ${teacher.id}), (${mentees}, ${cohortMember.id})`;
			const me = actor(teacher);
			const linkTo = (groupId: string) => (tx: Tx) =>
				tx`insert into public.course_group_links (course_id, group_id) values (${course.id}, ${groupId})`;
			await expectRefused(me, linkTo(cohort), { code: '42501' }, LINK_TABLES);
			await expectRefused(me, linkTo(mentees), { code: '42501' }, LINK_TABLES);
			// Their own team, whose members they already see, they may link.
			expect(await attempt(me, linkTo(team), { rollback: true })).toEqual({ count: 1 });
		});
	});
});

describe('course_link_members', () => {
	const enrolledByL = ['learnerG', 'leaderG', 'learnerG1', 'leaderG1', 'learnerG1a'].map(
		(p) => `L:${p}`
	);
	visibilityMatrix({
		cast: getCast,
		what: 'link enrolments',
		expected: {
			anon: [],
			learnerG: [],
			learnerG1: [],
			learnerH: [],
			leaderG: [],
			leaderG1: [],
			leaderH: [],
			outsider: [],
			instructor: enrolledByL,
			otherOrgAdmin: ['FL:otherOrgAdmin'],
			orgAdmin: enrolledByL,
			platformAdmin: [...enrolledByL, 'FL:otherOrgAdmin']
		},
		visible: async (tx, cast) =>
			(await tx`select link_id, user_id from public.course_link_members`).map(
				(r) => `${cast.name(r.link_id)}:${cast.name(r.user_id)}`
			)
	});

	// Only the sync functions write here: a forged row would survive unlinking, or make an
	// enrolment look like a link's.
	changeMatrix({
		cast: getCast,
		table: 'course_link_members',
		kind: 'insert',
		action: 'record someone as enrolled by the link',
		allowed: [],
		statement: (cast) => (tx) =>
			tx`insert into public.course_link_members (link_id, user_id, course_id)
				values (${cast.links.L}, ${cast.people.outsider.id}, ${cast.course})`
	});
	changeMatrix({
		cast: getCast,
		table: 'course_link_members',
		kind: 'update',
		action: 'move a link enrolment to another person',
		allowed: [],
		statement: (cast) => (tx) =>
			tx`update public.course_link_members set user_id = ${cast.people.outsider.id}
				where link_id = ${cast.links.L} and user_id = ${cast.people.learnerG.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'course_link_members',
		kind: 'delete',
		action: 'forget whom the link enrolled',
		allowed: [],
		statement: (cast) => (tx) =>
			tx`delete from public.course_link_members where link_id = ${cast.links.L}`
	});
});

describe('membership_sweeps', () => {
	// System-only: no grants at all, so every statement is refused outright.
	const statements: Record<string, (tx: Tx) => Promise<{ count: number }>> = {
		'reading the sweep’s clock': (tx) => tx`select swept_until from public.membership_sweeps`,
		'adding a second clock': (tx) =>
			tx`insert into public.membership_sweeps (id, swept_until) values (false, now())`,
		'turning the clock back': (tx) =>
			tx`update public.membership_sweeps set swept_until = '-infinity'`,
		'removing the clock': (tx) => tx`delete from public.membership_sweeps`
	};
	for (const [action, statement] of Object.entries(statements)) {
		for (const who of EVERYONE as readonly Who[]) {
			it(`stops ${LABEL[who]} ${action}`, async () => {
				await expectRefused(actorOf(cast, who), statement, { code: '42501' }, [
					'membership_sweeps'
				]);
			});
		}
	}
});
