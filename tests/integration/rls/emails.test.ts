import { beforeAll, describe, expect, it } from 'vitest';
import { pool, withUser, type Actor } from '$lib/server/db';
import * as courseEnrolments from '../../../src/routes/api/v1/courses/[id]/enrolments/+server';
import * as groupMembers from '../../../src/routes/api/v1/groups/[id]/members/+server';
import * as orgMembers from '../../../src/routes/api/v1/organisations/[id]/members/+server';
import * as overview from '../../../src/routes/api/v1/courses/[id]/groups-overview/+server';
import * as emailVisibility from '../../../src/routes/api/v1/organisations/[id]/email-visibility/+server';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from '../helpers';
import { callEndpoint } from '../route-call';

// Issue 13: learners do not see other learners' email addresses unless their organisation allows
// it; staff, leaders and admins do. A database rule: the API roles cannot read users.email at all,
// only private.visible_emails() (its definition: supabase/schemas/02_people.sql).

type Cast = Record<
	| 'instructor'
	| 'leader'
	| 'learner'
	| 'groupmate'
	| 'otherGroup'
	| 'otherCourse'
	| 'orgAdmin'
	| 'platformAdmin'
	| 'stranger',
	TestUser
> & { org: { id: string }; course: { id: string }; group: string; otherGroupId: string };
let cast: Cast;

beforeAll(async () => {
	const db = ownerDb();
	const org = await createOrganisation();
	const course = await createCourse(org.id);
	const otherCourseRow = await createCourse(org.id);
	const people = {
		instructor: await createUser({ name: 'Instructor' }),
		leader: await createUser({ name: 'Leader' }),
		learner: await createUser({ name: 'Learner' }),
		groupmate: await createUser({ name: 'Groupmate' }),
		otherGroup: await createUser({ name: 'Other Group Learner' }),
		otherCourse: await createUser({ name: 'Other Course Learner' }),
		orgAdmin: await createUser({ name: 'Org Admin' }),
		platformAdmin: await createUser({ name: 'Platform Admin', admin: true }),
		stranger: await createUser({ name: 'Stranger' })
	};
	await addOrganisationMember(org.id, people.orgAdmin.id, 'admin');
	await enrol(course.id, people.instructor.id, 'instructor');
	for (const who of ['leader', 'learner', 'groupmate', 'otherGroup'] as const) {
		await enrol(course.id, people[who].id);
	}
	await enrol(otherCourseRow.id, people.otherCourse.id);
	const [group] = await db`
		insert into public.groups (scope, organisation_id, course_id, kind, name)
		values ('course', ${org.id}, ${course.id}, 'course group', 'Group A') returning id`;
	const [other] = await db`
		insert into public.groups (scope, organisation_id, course_id, kind, name)
		values ('course', ${org.id}, ${course.id}, 'course group', 'Group B') returning id`;
	await db`insert into public.group_members (group_id, user_id, role) values
		(${group.id}, ${people.leader.id}, 'leader'),
		(${group.id}, ${people.learner.id}, 'member'),
		(${group.id}, ${people.groupmate.id}, 'member'),
		(${other.id}, ${people.otherGroup.id}, 'member')`;
	cast = { ...people, org, course, group: group.id, otherGroupId: other.id };
});

const everyone = () =>
	Object.entries(cast).filter(([, value]) => typeof value === 'object' && 'email' in value) as [
		string,
		TestUser
	][];

async function emailsSeenBy(who: Actor): Promise<string[]> {
	const ids = everyone().map(([, person]) => person.id);
	const rows = await withUser(
		who,
		(tx) => tx<{ user_id: string; email: string }[]>`
			select user_id, email from private.visible_emails() where user_id = any(${ids}::uuid[])`
	);
	const byId = new Map(everyone().map(([name, person]) => [person.id, { name, person }]));
	for (const row of rows) expect(row.email).toBe(byId.get(row.user_id)!.person.email);
	return rows.map((row) => byId.get(row.user_id)!.name).sort();
}

const COURSE = ['instructor', 'leader', 'learner', 'groupmate', 'otherGroup'];

describe('email addresses, organisation setting off (the default)', () => {
	const expected: Record<string, string[]> = {
		learner: ['learner'],
		groupmate: ['groupmate'],
		otherGroup: ['otherGroup'],
		otherCourse: ['otherCourse'],
		stranger: ['stranger'],
		leader: ['groupmate', 'leader', 'learner'],
		instructor: COURSE,
		orgAdmin: [...COURSE, 'orgAdmin', 'otherCourse'],
		platformAdmin: [] // everyone in the cast, computed in the test
	};
	for (const who of Object.keys(expected)) {
		it(`shows ${who} exactly the addresses they may see`, async () => {
			const want =
				who === 'platformAdmin'
					? everyone()
							.map(([name]) => name)
							.sort()
					: [...expected[who]].sort();
			expect(await emailsSeenBy(actor(cast[who as keyof Cast] as TestUser))).toEqual(want);
		});
	}

	it('refuses anon the function and everyone the column itself', async () => {
		await expect(
			withUser(null, (tx) => tx`select * from private.visible_emails()`)
		).rejects.toMatchObject({ code: '42501' });
		for (const who of [
			null,
			actor(cast.learner),
			actor(cast.instructor),
			actor(cast.platformAdmin)
		]) {
			await expect(
				withUser(who, (tx) => tx`select email from public.users where id = ${cast.learner.id}`)
			).rejects.toMatchObject({ code: '42501' });
		}
		// Filtering on the column is reading it, too.
		await expect(
			withUser(
				actor(cast.learner),
				(tx) =>
					tx`select id from public.users where email like ${cast.groupmate.email.slice(0, 3) + '%'}`
			)
		).rejects.toMatchObject({ code: '42501' });
	});

	it('shows forged claims nothing more: a learner claiming admin, claims without a person', async () => {
		const forged = (claims: object, role: string) =>
			pool().begin(async (tx) => {
				await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
				                set_config('role', ${role}, true)`;
				return tx<{ user_id: string }[]>`select user_id from private.visible_emails()`;
			});
		const claimed = await forged(
			{
				sub: cast.learner.id,
				role: 'service_role',
				platform_role: 'admin',
				email: cast.instructor.email
			},
			'authenticated'
		);
		expect(claimed.map((row) => row.user_id)).toEqual([cast.learner.id]);
		expect(await forged({ role: 'authenticated' }, 'authenticated')).toEqual([]);
		await expect(forged({ sub: cast.learner.id, role: 'anon' }, 'anon')).rejects.toMatchObject({
			code: '42501'
		});
	});

	it('gives learners no addresses of others through the JSON API; staff get them', async () => {
		const participants = async (who: TestUser) => {
			const answer = await callEndpoint(courseEnrolments.GET, {
				user: who,
				params: { id: cast.course.id }
			});
			expect(answer.status).toBe(200);
			return (answer.body as { items: { userId: string; email: string | null }[] }).items;
		};
		const seenByLearner = await participants(cast.learner);
		expect(seenByLearner.length).toBeGreaterThan(1);
		for (const row of seenByLearner) {
			expect(row.email).toBe(row.userId === cast.learner.id ? cast.learner.email : null);
		}
		const seenByInstructor = await participants(cast.instructor);
		expect(seenByInstructor.every((row) => row.email?.includes('@'))).toBe(true);

		const members = async (who: TestUser) => {
			const answer = await callEndpoint(groupMembers.GET, {
				user: who,
				params: { id: cast.group }
			});
			expect(answer.status).toBe(200);
			return (answer.body as { items: { userId: string; email: string | null }[] }).items;
		};
		const mates = await members(cast.groupmate);
		expect(mates.length).toBe(3);
		expect(mates.filter((row) => row.email !== null).map((row) => row.userId)).toEqual([
			cast.groupmate.id
		]);
		expect((await members(cast.leader)).every((row) => row.email?.includes('@'))).toBe(true);

		// Searching by someone's address finds nothing for a learner (it would reveal it).
		const search = await callEndpoint(courseEnrolments.GET, {
			user: cast.learner,
			params: { id: cast.course.id },
			query: `search=${encodeURIComponent(cast.groupmate.email)}`
		});
		expect((search.body as { items: unknown[] }).items).toEqual([]);

		const organisation = await callEndpoint(orgMembers.GET, {
			user: cast.orgAdmin,
			params: { id: cast.org.id }
		});
		expect(organisation.status).toBe(200);
		const groupsOverview = await callEndpoint(overview.GET, {
			user: cast.instructor,
			params: { id: cast.course.id }
		});
		expect(groupsOverview.status).toBe(200);
		expect(JSON.stringify(groupsOverview.body)).toContain(cast.groupmate.email);
	});
});

describe('email addresses, organisation setting on', () => {
	it('is switched by organisation admins through the JSON API, by nobody else', async () => {
		const put = (who: TestUser, json: unknown) =>
			callEndpoint(emailVisibility.PUT, {
				method: 'PUT',
				user: who,
				params: { id: cast.org.id },
				json
			});
		for (const who of [cast.learner, cast.instructor, cast.leader]) {
			expect((await put(who, { learnersSeeEmails: true })).status).toBe(404);
		}
		const bad = await put(cast.orgAdmin, { learnersSeeEmails: 'yes', extra: 1 });
		expect(bad.status).toBe(400);
		const [before] =
			await ownerDb()`select learners_see_emails from public.organisations where id = ${cast.org.id}`;
		expect(before.learners_see_emails).toBe(false);
		const done = await put(cast.orgAdmin, { learnersSeeEmails: true });
		expect(done).toEqual({ status: 200, body: { learnersSeeEmails: true } });
	});

	it('shows learners the addresses of the course’s participants, not of other courses', async () => {
		for (const who of ['learner', 'otherGroup'] as const) {
			expect(await emailsSeenBy(actor(cast[who]))).toEqual([...COURSE].sort());
		}
		expect(await emailsSeenBy(actor(cast.otherCourse))).toEqual(['otherCourse']);
		expect(await emailsSeenBy(actor(cast.stranger))).toEqual(['stranger']);
	});

	it('puts them in the participants list for learners', async () => {
		const answer = await callEndpoint(courseEnrolments.GET, {
			user: cast.otherGroup,
			params: { id: cast.course.id }
		});
		const items = (answer.body as { items: { email: string | null }[] }).items;
		expect(items.every((row) => row.email?.includes('@'))).toBe(true);
	});
});
