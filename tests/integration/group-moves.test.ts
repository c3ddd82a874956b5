import { beforeAll, describe, expect, it } from 'vitest';
import * as movePreviewRoute from '../../src/routes/api/v1/groups/[id]/move-preview/+server';
import * as moveRoute from '../../src/routes/api/v1/groups/[id]/move/+server';
import * as treePage from '../../src/routes/(app)/organisations/[slug]/groups/+page.server';
import * as cohorts from '$lib/server/cohorts';
import * as groups from '$lib/server/groups';
import * as audit from '$lib/server/groups/history';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	ownerDb,
	type TestUser
} from './helpers';
import { callAction, callEndpoint } from './route-call';

// Moving a group under another: the preview names who linked courses would enrol, suspend or
// unenrol, before anything changes; the move does exactly that; the history says from where to
// where; and moving it back leaves everyone with the enrolments they had before.

let admin: TestUser;
let worker: TestUser; // has a completion in course X
let idle: TestUser; // has done nothing anywhere
let outsider: TestUser;
let x: { id: string };
let y: { id: string };
let north: { id: string };
let south: { id: string };
let team: { id: string };

const api = (handler: unknown, user: TestUser, params: Record<string, string>, more = {}) =>
	callEndpoint(handler, { user, params, via: 'api', ...more });

async function enrolmentsOf(...courseIds: string[]) {
	return (
		await ownerDb()<{ course_id: string; user_id: string; status: string; role: string }[]>`
			select course_id, user_id, status, role, source from public.enrolments
			where course_id = any (${courseIds}::uuid[]) order by course_id, user_id`
	).map((row) => ({ ...row }));
}

beforeAll(async () => {
	const org = await createOrganisation();
	admin = await createUser({ name: 'Ada Admin' });
	worker = await createUser({ name: 'Wes Worker' });
	idle = await createUser({ name: 'Ida Idle' });
	outsider = await createUser({ name: 'Otto Outsider' });
	await addOrganisationMember(org.id, admin.id, 'admin');
	for (const person of [worker, idle, outsider]) await addOrganisationMember(org.id, person.id);
	x = await createCourse(org.id);
	y = await createCourse(org.id);
	const a = actor(admin);
	north = await groups.create(a, { organisationId: org.id, name: 'North' });
	south = await groups.create(a, { organisationId: org.id, name: 'South' });
	team = await groups.create(a, { parentId: north.id, name: 'Team 1' });
	await ownerDb()`
		insert into public.group_members (group_id, user_id) values (${team.id}, ${worker.id}), (${team.id}, ${idle.id})`;
	await cohorts.link(a, x.id, { groupId: north.id });
	await cohorts.link(a, y.id, { groupId: south.id });
	const [activity] = await ownerDb()<{ id: string }[]>`
		insert into public.activities (course_id, title) values (${x.id}, 'Reading') returning id`;
	await ownerDb()`
		insert into public.completions (activity_id, user_id, course_id, completed_at, source)
		values (${activity.id}, ${worker.id}, ${x.id}, now(), 'self')`;
});

describe('moving a group under another', () => {
	it('previews what it does to linked courses, changing nothing', async () => {
		const before = await enrolmentsOf(x.id, y.id);
		expect(before.map((row) => row.status)).toEqual(['active', 'active']);
		const answer = await api(
			movePreviewRoute.GET,
			admin,
			{ id: team.id },
			{ query: `parentId=${south.id}` }
		);
		expect(answer.status).toBe(200);
		const byCourse = (answer.body as { courses: { id: string }[] }).courses;
		expect(answer.body).toMatchObject({
			group: { id: team.id, name: 'Team 1' },
			from: { id: north.id, name: 'North' },
			to: { id: south.id, name: 'South' }
		});
		expect(byCourse.find((c) => c.id === x.id)).toMatchObject({
			enrolled: [],
			suspended: [{ id: worker.id, displayName: 'Wes Worker' }],
			unenrolled: [{ id: idle.id, displayName: 'Ida Idle' }]
		});
		expect(byCourse.find((c) => c.id === y.id)).toMatchObject({
			enrolled: [
				{ id: idle.id, displayName: 'Ida Idle' },
				{ id: worker.id, displayName: 'Wes Worker' }
			],
			suspended: [],
			unenrolled: []
		});
		expect(await enrolmentsOf(x.id, y.id)).toEqual(before);
		const [moves] = await ownerDb()`
			select count(*)::int as n from public.audit_events where group_id = ${team.id} and action = 'groups.update'`;
		expect(moves.n).toBe(0);
	});

	it('does what it previewed, records from → to, and moving back restores the enrolments', async () => {
		const before = await enrolmentsOf(x.id, y.id);
		const moved = await api(
			moveRoute.POST,
			admin,
			{ id: team.id },
			{ json: { parentId: south.id } }
		);
		expect(moved.status).toBe(200);
		const after = await enrolmentsOf(x.id, y.id);
		expect(
			after.map((row) => [row.course_id === x.id ? 'x' : 'y', row.user_id, row.status])
		).toEqual(
			expect.arrayContaining([
				['x', worker.id, 'suspended'],
				['y', worker.id, 'active'],
				['y', idle.id, 'active']
			])
		);
		expect(after.some((row) => row.course_id === x.id && row.user_id === idle.id)).toBe(false);
		const history = await audit.history(actor(admin), team.id);
		expect(history.map((entry) => entry.summary)).toContain(
			'Ada Admin moved Team 1 from North to South'
		);
		const back = await api(
			moveRoute.POST,
			admin,
			{ id: team.id },
			{ json: { parentId: north.id } }
		);
		expect(back.status).toBe(200);
		expect(await enrolmentsOf(x.id, y.id)).toEqual(before);
		await groups.move(actor(admin), team.id, { parentId: null });
		expect((await audit.history(actor(admin), team.id))[0].summary).toBe(
			'Ada Admin moved Team 1 from North to the top level'
		);
		await groups.move(actor(admin), team.id, { parentId: north.id });
		expect(await enrolmentsOf(x.id, y.id)).toEqual(before);
	});

	it('refuses a preview to someone who may not move the group, a loop and a bad id', async () => {
		expect(
			(
				await api(
					movePreviewRoute.GET,
					outsider,
					{ id: team.id },
					{ query: `parentId=${south.id}` }
				)
			).status
		).toBe(404);
		const loop = await api(
			movePreviewRoute.GET,
			admin,
			{ id: north.id },
			{ query: `parentId=${team.id}` }
		);
		expect(loop.status).toBe(409);
		const bad = await api(movePreviewRoute.GET, admin, { id: team.id }, { query: 'parentId=x' });
		expect(bad.status).toBe(400);
		const top = await api(movePreviewRoute.GET, admin, { id: team.id });
		expect(top).toMatchObject({ status: 200, body: { to: null } });
	});
});

describe('moving from the organisation’s group tree', () => {
	it('shows what the move does to linked courses first, and moves once confirmed', async () => {
		const [org] =
			await ownerDb()`select organisation_id as id from public.groups where id = ${team.id}`;
		const [{ slug }] = await ownerDb()`select slug from public.organisations where id = ${org.id}`;
		const before = await enrolmentsOf(x.id, y.id);
		const asked = await callAction(treePage.actions.move, {
			user: admin,
			params: { slug },
			form: { groupId: team.id, parentId: south.id }
		});
		expect(asked.status).toBe(200);
		expect(asked.body).toMatchObject({
			form: 'tree',
			movePreview: { to: { id: south.id, name: 'South' } }
		});
		expect(await enrolmentsOf(x.id, y.id)).toEqual(before);
		const confirmed = await callAction(treePage.actions.move, {
			user: admin,
			params: { slug },
			form: { groupId: team.id, parentId: south.id, confirmed: 'yes' }
		});
		expect(confirmed.body).toMatchObject({ success: 'Moved the group.' });
		expect(await enrolmentsOf(x.id, y.id)).not.toEqual(before);
		await groups.move(actor(admin), team.id, { parentId: north.id });
		expect(await enrolmentsOf(x.id, y.id)).toEqual(before);
	});
});
