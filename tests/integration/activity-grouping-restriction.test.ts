import { beforeAll, describe, expect, it } from 'vitest';
import * as courseGroups from '$lib/server/course-groups';
import * as groups from '$lib/server/groups';
import * as progress from '$lib/server/progress';
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

/**
 * Course C: groups Red, Blue and Green; grouping "Projects" holds Red only; activity P is
 * restricted to the grouping. ria is in Red, bo in Blue, gus in Green (added to the grouping
 * later), nia in no group. Course D (same organisation) has its own grouping "Elsewhere".
 */
let instructor: TestUser;
let ria: TestUser;
let bo: TestUser;
let gus: TestUser;
let nia: TestUser;
let course: { id: string };
let otherCourse: { id: string };
let green: { id: string };
let grouping: { id: string };
let foreignGrouping: { id: string };
let activityId: string;

async function addMember(groupId: string, userId: string) {
	await ownerDb()`insert into public.group_members (group_id, user_id) values (${groupId}, ${userId})`;
}

beforeAll(async () => {
	const org = await createOrganisation();
	course = await createCourse(org.id);
	otherCourse = await createCourse(org.id);
	instructor = await createUser({ name: 'Ines Instructor' });
	await addOrganisationMember(org.id, instructor.id);
	await enrol(course.id, instructor.id, 'instructor');
	await enrol(otherCourse.id, instructor.id, 'instructor');
	const people: TestUser[] = [];
	for (const name of ['Ria Red', 'Bo Blue', 'Gus Green', 'Nia None']) {
		const person = await createUser({ name });
		await addOrganisationMember(org.id, person.id);
		await enrol(course.id, person.id);
		people.push(person);
	}
	[ria, bo, gus, nia] = people;
	const a = actor(instructor);
	const red = await groups.create(a, { courseId: course.id, name: 'Red team' });
	const blue = await groups.create(a, { courseId: course.id, name: 'Blue team' });
	green = await groups.create(a, { courseId: course.id, name: 'Green team' });
	await addMember(red.id, ria.id);
	await addMember(blue.id, bo.id);
	await addMember(green.id, gus.id);
	grouping = await courseGroups.createGrouping(a, course.id, { name: 'Projects' });
	await courseGroups.addToGrouping(a, grouping.id, [red.id]);
	foreignGrouping = await courseGroups.createGrouping(a, otherCourse.id, { name: 'Elsewhere' });
	await progress.createActivity(a, course.id, { title: 'Open reading', position: 1 });
	activityId = (
		await progress.createActivity(a, course.id, {
			title: 'Project brief',
			position: 2,
			restrictedToGroupings: [grouping.id]
		})
	).id;
});

describe('an activity restricted to a grouping', () => {
	it('is named to staff with its grouping', async () => {
		const activity = await progress.getActivity(actor(instructor), activityId);
		expect(activity.restricted).toBe(true);
		expect(activity.restrictedTo).toEqual([]);
		expect(activity.restrictedToGroupings).toEqual([{ id: grouping.id, name: 'Projects' }]);
		const list = await progress.listActivities(actor(instructor), course.id);
		expect(list.activities.map((x) => x.title)).toEqual(['Open reading', 'Project brief']);
		expect(list.locked).toEqual([]);
	});

	it('opens to a member of a group in the grouping, who can complete it', async () => {
		const list = await progress.listActivities(actor(ria), course.id);
		expect(list.activities.map((x) => x.title)).toEqual(['Open reading', 'Project brief']);
		expect(list.locked).toEqual([]);
		await progress.markComplete(actor(ria)!, activityId);
		const activity = await progress.getActivity(actor(ria), activityId);
		expect(activity.myCompletion?.completedAt).toBeInstanceOf(Date);
		// A learner never learns the grouping's name, even when they may open the activity.
		expect(activity.restrictedToGroupings).toEqual([]);
		expect(list.progress).toMatchObject({ visible: 2 });
	});

	it('shows as restricted, without group or grouping names, to a learner in no group of it', async () => {
		for (const learner of [bo, nia]) {
			const list = await progress.listActivities(actor(learner), course.id);
			expect(list.activities.map((x) => x.title)).toEqual(['Open reading']);
			expect(list.locked).toHaveLength(1);
			expect(list.locked[0]).toEqual({
				id: activityId,
				title: 'Project brief',
				type: 'page',
				dueAt: null,
				position: 2,
				reason: expect.stringMatching(/^Open to members of certain groups of this course/)
			});
			expect(JSON.stringify(list)).not.toMatch(/Projects|Red team/);
			expect(list.progress).toMatchObject({ visible: 1 });
			await expect(progress.getActivity(actor(learner), activityId)).rejects.toMatchObject({
				status: 404
			});
			await expect(progress.markComplete(actor(learner)!, activityId)).rejects.toBeTruthy();
			const rows = await ownerDb()`
				select 1 from public.completions where activity_id = ${activityId} and user_id = ${learner.id}`;
			expect(rows).toHaveLength(0);
		}
	});

	it('opens to members of a group added to the grouping later', async () => {
		expect((await progress.listActivities(actor(gus), course.id)).locked.map((x) => x.id)).toEqual([
			activityId
		]);
		await courseGroups.addToGrouping(actor(instructor), grouping.id, [green.id]);
		const list = await progress.listActivities(actor(gus), course.id);
		expect(list.locked).toEqual([]);
		expect(list.activities.map((x) => x.id)).toContain(activityId);
		await progress.markComplete(actor(gus)!, activityId);
		// Still closed to the others.
		expect((await progress.listActivities(actor(nia), course.id)).locked).toHaveLength(1);
	});

	it('stays closed to every learner while its grouping has no groups', async () => {
		const empty = await courseGroups.createGrouping(actor(instructor), course.id, {
			name: 'Empty'
		});
		const closed = await progress.createActivity(actor(instructor), course.id, {
			title: 'Nobody yet',
			position: 3,
			restrictedToGroupings: [empty.id]
		});
		expect(closed.restricted).toBe(true);
		for (const learner of [ria, nia]) {
			const list = await progress.listActivities(actor(learner), course.id);
			expect(list.locked.map((x) => x.id)).toContain(closed.id);
			expect(list.activities.map((x) => x.id)).not.toContain(closed.id);
		}
		await progress.deleteActivity(actor(instructor), closed.id);
	});

	it('stays closed to learners when its grouping or group is deleted, and staff see why', async () => {
		const a = actor(instructor);
		const doomed = await courseGroups.createGrouping(a, course.id, { name: 'Doomed' });
		const purple = await groups.create(a, { courseId: course.id, name: 'Purple team' });
		await addMember(purple.id, ria.id);
		await courseGroups.addToGrouping(a, doomed.id, [purple.id]);
		const byGrouping = await progress.createActivity(a, course.id, {
			title: 'Grouping only',
			position: 4,
			restrictedToGroupings: [doomed.id]
		});
		const byGroup = await progress.createActivity(a, course.id, {
			title: 'Purple only',
			position: 5,
			restrictedTo: [purple.id]
		});
		const opens = async (learner: TestUser, id: string) =>
			(await progress.listActivities(actor(learner), course.id)).activities.some(
				(x) => x.id === id
			);
		expect(await opens(ria, byGrouping.id)).toBe(true);
		expect(await opens(ria, byGroup.id)).toBe(true);

		// Deleting the grouping bins it with Purple team: closed while binned, and once purged.
		await courseGroups.deleteGrouping(a, doomed.id);
		expect(await opens(ria, byGrouping.id)).toBe(false);
		expect(await opens(ria, byGroup.id)).toBe(false);
		await courseGroups.purgeGrouping(a, course.id, doomed.id);
		for (const id of [byGrouping.id, byGroup.id]) {
			for (const learner of [ria, nia]) {
				expect(await opens(learner, id)).toBe(false);
				const locked = (await progress.listActivities(actor(learner), course.id)).locked;
				expect(locked.map((x) => x.id)).toContain(id);
			}
			const seen = await progress.getActivity(a, id);
			expect(seen).toMatchObject({
				restricted: true,
				restrictedTo: [],
				restrictedToGroupings: [],
				restrictedToDeleted: 1
			});
		}
		// Changing its restrictions clears what the deleted group left; an empty list opens it.
		await progress.updateActivity(a, byGroup.id, { restrictedTo: [] });
		expect(await progress.getActivity(a, byGroup.id)).toMatchObject({
			restricted: false,
			restrictedToDeleted: 0
		});
		expect(await opens(nia, byGroup.id)).toBe(true);
		// Nobody can write a restriction with no target.
		await expect(
			ownerDb()`insert into public.activity_restrictions (activity_id, course_id) values (${byGrouping.id}, ${course.id})`
		).rejects.toMatchObject({ code: '23514' });
		await progress.deleteActivity(a, byGrouping.id);
		await progress.deleteActivity(a, byGroup.id);
	});

	it('refuses a grouping of another course and a grouping that does not exist, changing nothing', async () => {
		for (const id of [foreignGrouping.id, crypto.randomUUID()]) {
			await expect(
				progress.createActivity(actor(instructor), course.id, {
					title: 'Should not exist',
					restrictedToGroupings: [id]
				})
			).rejects.toMatchObject({
				status: 400,
				issues: [{ path: 'restrictedToGroupings' }]
			});
			await expect(
				progress.updateActivity(actor(instructor), activityId, { restrictedToGroupings: [id] })
			).rejects.toMatchObject({ status: 400 });
		}
		const rows = await ownerDb()`
			select title from public.activities where course_id = ${course.id} and title = 'Should not exist'`;
		expect(rows).toHaveLength(0);
		const activity = await progress.getActivity(actor(instructor), activityId);
		expect(activity.restrictedToGroupings.map((g) => g.id)).toEqual([grouping.id]);
	});

	it('refuses malformed input', async () => {
		await expect(
			progress.createActivity(actor(instructor), course.id, {
				title: 'Bad',
				restrictedToGroupings: ['not-a-uuid']
			})
		).rejects.toMatchObject({ status: 400 });
		await expect(
			progress.createActivity(actor(instructor), course.id, {
				title: 'Too many',
				restrictedToGroupings: Array.from({ length: 51 }, () => crypto.randomUUID())
			})
		).rejects.toMatchObject({ status: 400 });
	});

	it('may not be set by a learner, and is audited', async () => {
		await expect(
			progress.updateActivity(actor(ria), activityId, { restrictedToGroupings: [] })
		).rejects.toMatchObject({ status: 404 });
		expect(
			(await progress.getActivity(actor(instructor), activityId)).restrictedToGroupings
		).toHaveLength(1);
		const rows = await ownerDb()<{ data: { new: { grouping_id: string | null } } }[]>`
			select data from public.audit_events
			where action = 'activity_restrictions.insert' and course_id = ${course.id}`;
		expect(rows.map((r) => r.data.new.grouping_id)).toContain(grouping.id);
	});

	it('is lifted by an empty list and then opens to everyone', async () => {
		await progress.updateActivity(actor(instructor), activityId, { restrictedToGroupings: [] });
		const list = await progress.listActivities(actor(nia), course.id);
		expect(list.locked).toEqual([]);
		expect(list.activities.map((x) => x.id)).toContain(activityId);
	});
});
