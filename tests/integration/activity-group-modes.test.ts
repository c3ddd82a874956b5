import { beforeAll, describe, expect, it } from 'vitest';
import * as activitiesRoute from '../../src/routes/api/v1/courses/[id]/activities/+server';
import * as activityRoute from '../../src/routes/api/v1/activities/[id]/+server';
import * as completionsRoute from '../../src/routes/api/v1/activities/[id]/completions/+server';
import * as groupModeRoute from '../../src/routes/api/v1/courses/[id]/group-mode/+server';
import {
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';
import { callEndpoint } from './route-call';

// Activities through the JSON API: "any group" restrictions, hidden or locked, the reason a
// locked activity gives in the learner's own groups, and group modes per activity (forced by the
// course) shaping what staff without access to all groups see of completions.

let instructor: TestUser;
let assistant: TestUser;
let ann: TestUser; // Tutorial 2
let ben: TestUser; // Tutorial 10
let cal: TestUser; // no group
let course: { id: string };
let tutorial2: string;
let tutorial10: string;
let labs: string;

const api = (handler: unknown, user: TestUser | null, params: Record<string, string>, more = {}) =>
	callEndpoint(handler, { user, params, via: 'api', ...more });

async function group(name: string) {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name)
		select 'course', organisation_id, id, ${name} from public.courses where id = ${course.id}
		returning id`;
	return row.id;
}

beforeAll(async () => {
	const org = await createOrganisation();
	course = await createCourse(org.id);
	instructor = await createUser({ name: 'Iris Instructor' });
	assistant = await createUser({ name: 'Asa Assistant' });
	ann = await createUser({ name: 'Ann Two' });
	ben = await createUser({ name: 'Ben Ten' });
	cal = await createUser({ name: 'Cal None' });
	for (const person of [instructor, assistant, ann, ben, cal]) {
		await addOrganisationMember(org.id, person.id);
	}
	await enrol(course.id, instructor.id, 'instructor');
	await enrol(course.id, assistant.id, 'assistant');
	for (const person of [ann, ben, cal]) await enrol(course.id, person.id);
	tutorial2 = await group('Tutorial 2');
	tutorial10 = await group('Tutorial 10');
	await ownerDb()`
		insert into public.group_members (group_id, user_id)
		values (${tutorial2}, ${ann.id}), (${tutorial2}, ${assistant.id}), (${tutorial10}, ${ben.id})`;
	const [grouping] = await ownerDb()<{ id: string }[]>`
		insert into public.groupings (course_id, name) values (${course.id}, 'Labs') returning id`;
	labs = grouping.id;
});

async function create(body: Record<string, unknown>) {
	const answer = await api(activitiesRoute.POST, instructor, { id: course.id }, { json: body });
	expect(answer.status).toBe(201);
	return answer.body as { id: string };
}

async function listFor(user: TestUser) {
	const answer = await api(activitiesRoute.GET, user, { id: course.id });
	expect(answer.status).toBe(200);
	return answer.body as {
		activities: { title: string }[];
		locked: { title: string; reason: string }[];
	};
}

describe('restricting an activity to any group', () => {
	it('opens it to members of any course group and shows it locked, with the reason, to others', async () => {
		const created = await create({ title: 'Group project', restrictedToAnyGroup: true });
		const asStaff = await api(activityRoute.GET, instructor, { id: created.id });
		expect(asStaff.body).toMatchObject({ restrictedToAnyGroup: true, hiddenWhenClosed: [] });
		for (const member of [ann, ben]) {
			expect((await listFor(member)).activities.map((a) => a.title)).toContain('Group project');
		}
		const cals = await listFor(cal);
		expect(cals.activities.map((a) => a.title)).not.toContain('Group project');
		expect(cals.locked).toEqual([
			expect.objectContaining({
				title: 'Group project',
				reason: 'Open to members of a group of this course, and you are not in one yet.'
			})
		]);
	});

	it('hides an activity entirely when its restriction says so', async () => {
		const created = await create({
			title: 'Secret lab',
			restrictedToAnyGroup: true,
			hiddenWhenClosed: ['anyGroup']
		});
		const cals = await listFor(cal);
		expect(JSON.stringify(cals)).not.toContain('Secret lab');
		expect((await listFor(ann)).activities.map((a) => a.title)).toContain('Secret lab');
		// Switching it to "shown locked" brings it back, locked.
		const patched = await api(
			activityRoute.PATCH,
			instructor,
			{ id: created.id },
			{ json: { hiddenWhenClosed: [] } }
		);
		expect(patched.status).toBe(200);
		expect((await listFor(cal)).locked.map((a) => a.title)).toContain('Secret lab');
		await api(activityRoute.DELETE, instructor, { id: created.id });
	});

	it('explains a locked activity in the learner’s own groups, never naming the others', async () => {
		const created = await create({ title: 'Tutorial 10 worksheet', restrictedTo: [tutorial10] });
		const anns = await listFor(ann);
		const locked = anns.locked.find((a) => a.title === 'Tutorial 10 worksheet');
		expect(locked?.reason).toBe(
			'Open to members of certain groups of this course; your group, Tutorial 2, is not one of them.'
		);
		expect(JSON.stringify(anns)).not.toMatch(/"Tutorial 10"|Labs/);
		const cals = await listFor(cal);
		expect(cals.locked.find((a) => a.title === 'Tutorial 10 worksheet')?.reason).toBe(
			'Open to members of certain groups of this course, and you are not in a group of this course.'
		);
		// Hidden per restriction: one hidden restriction among others hides it.
		await api(
			activityRoute.PATCH,
			instructor,
			{ id: created.id },
			{
				json: {
					restrictedTo: [tutorial10],
					restrictedToGroupings: [labs],
					hiddenWhenClosed: [tutorial10]
				}
			}
		);
		const staff = await api(activityRoute.GET, instructor, { id: created.id });
		expect(staff.body).toMatchObject({ hiddenWhenClosed: [tutorial10] });
		expect(JSON.stringify(await listFor(ann))).not.toContain('Tutorial 10 worksheet');
		await api(activityRoute.DELETE, instructor, { id: created.id });
	});

	it('refuses hiding a restriction the activity does not have, and a grouping of another course', async () => {
		const bad = await api(
			activitiesRoute.POST,
			instructor,
			{ id: course.id },
			{ json: { title: 'Bad', restrictedTo: [tutorial2], hiddenWhenClosed: [tutorial10] } }
		);
		expect(bad).toMatchObject({
			status: 400,
			body: { error: { message: 'hiddenWhenClosed names only restrictions the activity has.' } }
		});
		const other = await createCourse((await createOrganisation()).id);
		const [foreign] = await ownerDb()<{ id: string }[]>`
			insert into public.groupings (course_id, name) values (${other.id}, 'Elsewhere') returning id`;
		const wrongGrouping = await api(
			activitiesRoute.POST,
			instructor,
			{ id: course.id },
			{ json: { title: 'Bad', groupMode: 'separate', groupingId: foreign.id } }
		);
		expect(wrongGrouping.status).toBe(400);
		const badMode = await api(
			activitiesRoute.POST,
			instructor,
			{ id: course.id },
			{ json: { title: 'Bad', groupMode: 'closed' } }
		);
		expect(badMode.status).toBe(400);
		const titles = await ownerDb()`select 1 from public.activities where title = 'Bad'`;
		expect(titles).toHaveLength(0);
	});
});

describe('group mode per activity', () => {
	let essay: string;

	beforeAll(async () => {
		essay = (await create({ title: 'Essay', groupMode: 'separate' })).id;
		for (const learner of [ann, ben, cal]) {
			const answer = await api(
				completionsRoute.POST,
				instructor,
				{ id: essay },
				{ json: { userId: learner.id, completed: true, score: 7 } }
			);
			expect(answer.status).toBe(200);
		}
	});

	const names = (body: unknown) =>
		(body as { items: { displayName: string }[] }).items.map((row) => row.displayName);

	it('shows staff without access to all groups only the learners of their groups in separate mode', async () => {
		const asAssistant = await api(completionsRoute.GET, assistant, { id: essay });
		expect(asAssistant.status).toBe(200);
		expect(names(asAssistant.body)).toEqual(['Ann Two']);
		expect(asAssistant.body).toMatchObject({
			groupView: {
				mode: 'separate',
				seesAllGroups: false,
				groups: [{ id: tutorial2, name: 'Tutorial 2', mine: true }],
				defaultGroupId: tutorial2
			}
		});
		const asInstructor = await api(completionsRoute.GET, instructor, { id: essay });
		expect(names(asInstructor.body)).toEqual(['Ann Two', 'Ben Ten', 'Cal None']);
		expect(asInstructor.body).toMatchObject({
			groupView: {
				seesAllGroups: true,
				// Natural order: 2 before 10.
				groups: [
					{ id: tutorial2, name: 'Tutorial 2' },
					{ id: tutorial10, name: 'Tutorial 10' }
				],
				defaultGroupId: null
			}
		});
		const one = await api(
			completionsRoute.GET,
			instructor,
			{ id: essay },
			{ query: `groupId=${tutorial10}` }
		);
		expect(names(one.body)).toEqual(['Ben Ten']);
		const notMine = await api(
			completionsRoute.GET,
			assistant,
			{ id: essay },
			{ query: `groupId=${tutorial10}` }
		);
		expect(notMine.status).toBe(400);
	});

	it('refuses the assistant a record for a learner outside their groups, with the reason', async () => {
		const refused = await api(
			completionsRoute.POST,
			assistant,
			{ id: essay },
			{ json: { userId: ben.id, score: 1 } }
		);
		expect(refused).toMatchObject({
			status: 403,
			body: {
				error: {
					message:
						'This activity is in separate groups: you record only learners who share a group with you.'
				}
			}
		});
		const [row] = await ownerDb()`
			select score::float8 as score from public.completions where activity_id = ${essay} and user_id = ${ben.id}`;
		expect(row.score).toBe(7);
		const allowed = await api(
			completionsRoute.POST,
			assistant,
			{ id: essay },
			{ json: { userId: ann.id, score: 9 } }
		);
		expect(allowed.status).toBe(200);
	});

	it('follows the course’s mode when the course forces it, and the activity’s own otherwise', async () => {
		const forced = await api(
			groupModeRoute.PUT,
			instructor,
			{ id: course.id },
			{ json: { groupMode: 'visible', forceGroupMode: true } }
		);
		expect(forced).toMatchObject({
			status: 200,
			body: { groupMode: 'visible', forceGroupMode: true }
		});
		const activity = await api(activityRoute.GET, instructor, { id: essay });
		expect(activity.body).toMatchObject({ groupMode: 'separate', effectiveGroupMode: 'visible' });
		const visible = await api(completionsRoute.GET, assistant, { id: essay });
		expect(names(visible.body)).toEqual(['Ann Two', 'Ben Ten', 'Cal None']);
		// Visible groups: every group to pick, opening on the assistant's own.
		expect(visible.body).toMatchObject({
			groupView: { mode: 'visible', seesAllGroups: true, defaultGroupId: tutorial2 }
		});
		const [audit] = await ownerDb()`
			select data from public.audit_events
			where course_id = ${course.id} and action = 'courses.group_mode' order by created_at desc, id desc limit 1`;
		expect(audit.data).toEqual({
			old: { group_mode: 'none', force_group_mode: false },
			new: { group_mode: 'visible', force_group_mode: true }
		});
		// Leaving force out keeps it; switching it off gives the activity its own mode back.
		await api(groupModeRoute.PUT, instructor, { id: course.id }, { json: { groupMode: 'none' } });
		expect(
			(await api(activityRoute.GET, instructor, { id: essay })).body as {
				effectiveGroupMode: string;
			}
		).toMatchObject({ effectiveGroupMode: 'none' });
		await api(
			groupModeRoute.PUT,
			instructor,
			{ id: course.id },
			{ json: { groupMode: 'none', forceGroupMode: false } }
		);
		expect(names((await api(completionsRoute.GET, assistant, { id: essay })).body)).toEqual([
			'Ann Two'
		]);
		const bad = await api(
			groupModeRoute.PUT,
			instructor,
			{ id: course.id },
			{ json: { groupMode: 'none', forceGroupMode: 'yes' } }
		);
		expect(bad.status).toBe(400);
		const learner = await api(
			groupModeRoute.PUT,
			ann,
			{ id: course.id },
			{ json: { groupMode: 'none', forceGroupMode: true } }
		);
		expect(learner.status).toBe(404);
	});

	it('limits the assistant to the groups of the activity’s grouping', async () => {
		const patched = await api(
			activityRoute.PATCH,
			instructor,
			{ id: essay },
			{ json: { groupingId: labs } }
		);
		expect(patched).toMatchObject({ status: 200, body: { groupingId: labs } });
		const none = await api(completionsRoute.GET, assistant, { id: essay });
		expect(names(none.body)).toEqual([]);
		expect(none.body).toMatchObject({ groupView: { groups: [], defaultGroupId: null } });
		await ownerDb()`insert into public.grouping_groups (grouping_id, group_id) values (${labs}, ${tutorial2})`;
		expect(names((await api(completionsRoute.GET, assistant, { id: essay })).body)).toEqual([
			'Ann Two'
		]);
	});
});
