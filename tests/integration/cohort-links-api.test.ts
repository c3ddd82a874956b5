import { beforeAll, describe, expect, it } from 'vitest';
import * as courseLinksRoute from '../../src/routes/api/v1/courses/[id]/links/+server';
import * as linkRoute from '../../src/routes/api/v1/links/[id]/+server';
import * as autoGroupsRoute from '../../src/routes/api/v1/courses/[id]/auto-groups/+server';
import * as cohorts from '$lib/server/cohorts';
import { callEndpoint } from './route-call';
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

// Cohorts and course links through the JSON API: several cohorts linked in one step, a link's
// target course group changed later (which used to answer 200 and change nothing), platform
// cohorts offered to those who may link them, and auto-create drawing on any cohort the staff
// member can see.

let org: { id: string };
let instructor: TestUser;
let orgAdmin: TestUser;
let people: TestUser[];

async function orgGroup(name: string, members: TestUser[], extra: Record<string, unknown> = {}) {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groups ${ownerDb()({
			scope: 'organisation',
			organisation_id: org.id,
			name,
			kind: 'cohort',
			...extra
		})} returning id`;
	for (const person of members) {
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${row.id}, ${person.id})`;
	}
	return row.id;
}

async function courseGroup(courseId: string, name: string) {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name)
		values ('course', ${org.id}, ${courseId}, ${name}) returning id`;
	return row.id;
}

async function membersOf(groupId: string) {
	const rows = await ownerDb()<{ display_name: string }[]>`
		select u.display_name from public.group_members m join public.users u on u.id = m.user_id
		where m.group_id = ${groupId} order by u.display_name`;
	return rows.map((row) => row.display_name);
}

async function freshCourse() {
	const course = await createCourse(org.id);
	await enrol(course.id, instructor.id, 'instructor');
	return course;
}

beforeAll(async () => {
	org = await createOrganisation();
	instructor = await createUser({ name: 'Links Instructor' });
	orgAdmin = await createUser({ name: 'Links Admin' });
	await addOrganisationMember(org.id, orgAdmin.id, 'admin');
	await addOrganisationMember(org.id, instructor.id);
	people = [];
	for (const name of ['Ana', 'Ben', 'Cy', 'Di', 'Ed']) {
		const person = await createUser({ name: `${name} Linked` });
		await addOrganisationMember(org.id, person.id);
		people.push(person);
	}
});

describe('changing a link’s target course group', () => {
	it('places the link’s people in the new group and takes them out of the old one', async () => {
		const course = await freshCourse();
		const cohort = await orgGroup('Cohort Retarget', people.slice(0, 2), { visibility: 'scope' });
		const labA = await courseGroup(course.id, 'Lab A');
		const labB = await courseGroup(course.id, 'Lab B');
		// Someone placed in Lab B by hand stays there whatever the link does.
		await enrol(course.id, people[4].id);
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${labB}, ${people[4].id})`;
		const created = await callEndpoint(courseLinksRoute.POST, {
			user: orgAdmin,
			params: { id: course.id },
			json: { groupId: cohort, target: labA }
		});
		expect(created.status).toBe(201);
		const linkId = (created.body as { id: string }).id;
		expect(await membersOf(labA)).toEqual(['Ana Linked', 'Ben Linked']);

		const moved = await callEndpoint(linkRoute.PATCH, {
			method: 'PATCH',
			user: orgAdmin,
			params: { id: linkId },
			json: { target: labB }
		});
		expect(moved.status).toBe(200);
		expect(moved.body).toMatchObject({
			targetGroupId: labB,
			targetGroupName: 'Lab B',
			enrolled: 2
		});
		expect(await membersOf(labA)).toEqual([]);
		expect(await membersOf(labB)).toEqual(['Ana Linked', 'Ben Linked', 'Ed Linked']);

		const fresh = await callEndpoint(linkRoute.PATCH, {
			method: 'PATCH',
			user: orgAdmin,
			params: { id: linkId },
			json: { target: 'new' }
		});
		expect(fresh.status).toBe(200);
		const newTarget = fresh.body as { targetGroupId: string; targetGroupName: string };
		expect(newTarget.targetGroupName).toBe('Cohort Retarget cohort');
		expect(await membersOf(newTarget.targetGroupId)).toEqual(['Ana Linked', 'Ben Linked']);
		expect(await membersOf(labB)).toEqual(['Ed Linked']);

		// New members of the cohort follow the new target.
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${cohort}, ${people[2].id})`;
		expect(await membersOf(newTarget.targetGroupId)).toEqual([
			'Ana Linked',
			'Ben Linked',
			'Cy Linked'
		]);

		const none = await callEndpoint(linkRoute.PATCH, {
			method: 'PATCH',
			user: orgAdmin,
			params: { id: linkId },
			json: { target: null }
		});
		expect(none.body).toMatchObject({ targetGroupId: null });
		expect(await membersOf(newTarget.targetGroupId)).toEqual([]);
	});

	it('answers 400 for a group of another course and changes nothing', async () => {
		const course = await freshCourse();
		const other = await freshCourse();
		const cohort = await orgGroup('Cohort Elsewhere', people.slice(0, 1), { visibility: 'scope' });
		const foreign = await courseGroup(other.id, 'Foreign lab');
		const created = await callEndpoint(courseLinksRoute.POST, {
			user: instructor,
			params: { id: course.id },
			json: { groupId: cohort }
		});
		expect(created.status).toBe(201);
		const linkId = (created.body as { id: string }).id;
		const refused = await callEndpoint(linkRoute.PATCH, {
			method: 'PATCH',
			user: instructor,
			params: { id: linkId },
			json: { target: foreign }
		});
		expect(refused.status).toBe(400);
		const [row] =
			await ownerDb()`select target_group_id from public.course_group_links where id = ${linkId}`;
		expect(row.target_group_id).toBeNull();
		expect(await membersOf(foreign)).toEqual([]);
	});

	it('applies a new course role to the enrolments the link brought', async () => {
		const course = await freshCourse();
		const cohort = await orgGroup('Cohort Tutors', people.slice(2, 4), { visibility: 'scope' });
		const created = await callEndpoint(courseLinksRoute.POST, {
			user: instructor,
			params: { id: course.id },
			json: { groupId: cohort }
		});
		const linkId = (created.body as { id: string }).id;
		const changed = await callEndpoint(linkRoute.PATCH, {
			method: 'PATCH',
			user: instructor,
			params: { id: linkId },
			json: { courseRole: 'assistant' }
		});
		expect(changed.body).toMatchObject({ courseRole: 'assistant' });
		const roles = await ownerDb()`
			select role from public.enrolments where course_id = ${course.id} and source = 'link'`;
		expect(roles.map((r) => r.role)).toEqual(['assistant', 'assistant']);
	});

	it('is refused to a learner of the course, as not found', async () => {
		const course = await freshCourse();
		const cohort = await orgGroup('Cohort Guarded', people.slice(0, 1), { visibility: 'scope' });
		const created = await callEndpoint(courseLinksRoute.POST, {
			user: instructor,
			params: { id: course.id },
			json: { groupId: cohort }
		});
		const linkId = (created.body as { id: string }).id;
		const refused = await callEndpoint(linkRoute.PATCH, {
			method: 'PATCH',
			user: people[0],
			params: { id: linkId },
			json: { target: 'new' }
		});
		expect(refused.status).toBe(404);
	});
});

describe('linking several cohorts in one step', () => {
	it('links them all, enrolling each one’s members', async () => {
		const course = await freshCourse();
		const first = await orgGroup('Cohort One', people.slice(0, 2), { visibility: 'scope' });
		const second = await orgGroup('Cohort Two', people.slice(2, 4), { visibility: 'scope' });
		const answer = await callEndpoint(courseLinksRoute.POST, {
			user: instructor,
			params: { id: course.id },
			json: { groupIds: [first, second], target: 'new' }
		});
		expect(answer.status).toBe(201);
		const items = (
			answer.body as { items: { groupName: string; enrolled: number; targetGroupName: string }[] }
		).items;
		expect(items.map((i) => [i.groupName, i.enrolled, i.targetGroupName])).toEqual([
			['Cohort One', 2, 'Cohort One cohort'],
			['Cohort Two', 2, 'Cohort Two cohort']
		]);
		const [{ n }] = await ownerDb()`
			select count(*)::int as n from public.enrolments where course_id = ${course.id} and role = 'learner'`;
		expect(n).toBe(4);
	});

	it('links none when one of them is already linked, and says which', async () => {
		const course = await freshCourse();
		const first = await orgGroup('Cohort Again', people.slice(0, 1), { visibility: 'scope' });
		const second = await orgGroup('Cohort Fresh', people.slice(1, 2), { visibility: 'scope' });
		await callEndpoint(courseLinksRoute.POST, {
			user: instructor,
			params: { id: course.id },
			json: { groupId: first }
		});
		const answer = await callEndpoint(courseLinksRoute.POST, {
			user: instructor,
			params: { id: course.id },
			json: { groupIds: [second, first] }
		});
		expect(answer.status).toBe(409);
		expect(JSON.stringify(answer.body)).toContain('Cohort Again is already linked');
		const links =
			await ownerDb()`select 1 from public.course_group_links where course_id = ${course.id}`;
		expect(links.length).toBe(1);
	});

	it('refuses an empty list and unknown fields', async () => {
		const course = await freshCourse();
		for (const json of [{ groupIds: [] }, { groupIds: ['x'] }, { groupIds: [], extra: 1 }]) {
			const answer = await callEndpoint(courseLinksRoute.POST, {
				user: instructor,
				params: { id: course.id },
				json
			});
			expect(answer.status).toBe(400);
		}
	});
});

describe('platform cohorts', () => {
	it('are offered to, and linked by, course managers who may read them; not others', async () => {
		const course = await freshCourse();
		const member = await createUser({ name: 'Platform Cohort Member' });
		const [open] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, name, kind, visibility)
			values ('platform', 'Platform scholars', 'cohort', 'scope') returning id`;
		const [closed] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, name, kind, visibility)
			values ('platform', 'Platform closed circle', 'cohort', 'members') returning id`;
		await ownerDb()`
			insert into public.group_members (group_id, user_id) values (${open.id}, ${member.id}), (${closed.id}, ${member.id})`;
		const offered = await cohorts.cohortsFor(actor(instructor), course.id);
		const scholars = offered.find((c) => c.id === open.id);
		expect(scholars).toMatchObject({ scope: 'platform', canLink: true, linked: false });
		expect(offered.find((c) => c.id === closed.id)).toBeUndefined();

		const linked = await callEndpoint(courseLinksRoute.POST, {
			user: instructor,
			params: { id: course.id },
			json: { groupId: open.id }
		});
		expect(linked).toMatchObject({
			status: 201,
			body: { groupName: 'Platform scholars', enrolled: 1 }
		});
		expect(
			(await cohorts.cohortsFor(actor(instructor), course.id)).find((c) => c.id === open.id)
		).toMatchObject({ linked: true });
		const refused = await callEndpoint(courseLinksRoute.POST, {
			user: instructor,
			params: { id: course.id },
			json: { groupId: closed.id }
		});
		expect(refused.status).toBe(404);
		// A learner of the course is offered nothing.
		await expect(cohorts.cohortsFor(actor(member), course.id)).rejects.toMatchObject({
			status: 404
		});
	});
});

describe('auto-create from a cohort', () => {
	it('draws on any cohort the staff member can see, taking the course’s participants in it', async () => {
		const course = await freshCourse();
		// Open, so the instructor finds it, but its member list is for its members only.
		const cohort = await orgGroup('Cohort Open Club', people.slice(0, 3), {
			membership_mode: 'open'
		});
		await enrol(course.id, people[0].id);
		await enrol(course.id, people[1].id);
		await enrol(course.id, people[3].id);
		const preview = await callEndpoint(autoGroupsRoute.POST, {
			user: instructor,
			params: { id: course.id },
			query: 'dryRun=true',
			json: { by: 'groups', count: 1, naming: 'Team #', source: { cohortId: cohort } }
		});
		expect(preview.status).toBe(200);
		const groups = (preview.body as { groups: { members: { displayName: string }[] }[] }).groups;
		expect(groups[0].members.map((m) => m.displayName).sort()).toEqual([
			'Ana Linked',
			'Ben Linked'
		]);
	});

	it('refuses a cohort the staff member cannot see, as it would one that is not there', async () => {
		const course = await freshCourse();
		const hidden = await orgGroup('Cohort Unseen', people.slice(0, 2));
		await enrol(course.id, people[0].id);
		const preview = await callEndpoint(autoGroupsRoute.POST, {
			user: instructor,
			params: { id: course.id },
			query: 'dryRun=true',
			json: { by: 'groups', count: 1, naming: 'Team #', source: { cohortId: hidden } }
		});
		expect(preview.status).toBe(400);
		expect(preview.body).toMatchObject({ error: { code: 'invalid_source' } });
	});
});
