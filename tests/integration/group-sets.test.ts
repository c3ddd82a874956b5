import { beforeAll, describe, expect, it } from 'vitest';
import * as courseGroups from '$lib/server/course-groups';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import {
	actor,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';

// Group sets (groupings) as Moodle and Canvas users expect them (issue 13): the set's member
// limit binds staff too, unless they add over the limit on purpose; "Assign unassigned" keeps it
// whether or not sign-up is open.

let org: { id: string };
let instructor: TestUser;
let learners: TestUser[];

beforeAll(async () => {
	org = await createOrganisation();
	instructor = await createUser({ name: 'Ines Instructor' });
	learners = [];
	for (let i = 1; i <= 8; i++) learners.push(await createUser({ name: `Learner ${i}` }));
});

const staff = () => actor(instructor);

/** A course with two groups in one grouping whose member limit is 2; sign-up closed. */
async function limitedSet() {
	const course = await createCourse(org.id);
	await enrol(course.id, instructor.id, 'instructor');
	for (const learner of learners) await enrol(course.id, learner.id);
	const a = await groups.create(staff(), { courseId: course.id, name: 'Desk A' });
	const b = await groups.create(staff(), { courseId: course.id, name: 'Desk B' });
	const grouping = await courseGroups.createGrouping(staff(), course.id, { name: 'Desks' });
	await courseGroups.addToGrouping(staff(), grouping.id, [a.id, b.id]);
	await courseGroups.updateSignup(staff(), grouping.id, { open: false, sizeLimit: 2 });
	return { course, a, b, grouping };
}

async function countIn(groupId: string) {
	const [{ n }] = await ownerDb()<{ n: number }[]>`
		select count(*)::int as n from public.group_members where group_id = ${groupId}`;
	return n;
}

describe("a set's member limit", () => {
	it('binds staff adds while sign-up is closed, naming the group, and changes nothing', async () => {
		const { a } = await limitedSet();
		await expect(
			memberships.add(staff(), a.id, { userIds: learners.slice(0, 3).map((l) => l.id) })
		).rejects.toMatchObject({
			status: 409,
			code: 'over_limit',
			message:
				'Desk A is full: its grouping allows 2 people per group. Course staff can add them over the limit (overLimit: true).'
		});
		expect(await countIn(a.id)).toBe(0);
		await memberships.add(staff(), a.id, { userIds: learners.slice(0, 2).map((l) => l.id) });
		await expect(
			memberships.add(staff(), a.id, { userIds: [learners[2].id] })
		).rejects.toMatchObject({ code: 'over_limit' });
		expect(await countIn(a.id)).toBe(2);
	});

	it('lets course staff add over the limit when they say so', async () => {
		const { a } = await limitedSet();
		const report = await memberships.add(staff(), a.id, {
			userIds: learners.slice(0, 3).map((l) => l.id),
			overLimit: true
		});
		expect(report).toMatchObject({ added: 3, moved: [] });
		expect(await countIn(a.id)).toBe(3);
	});

	it('does not let a leader who is not course staff go over the limit', async () => {
		const { a } = await limitedSet();
		const leader = learners[7];
		await ownerDb()`
			insert into public.group_members (group_id, user_id, role) values (${a.id}, ${leader.id}, 'leader')`;
		await memberships.add(staff(), a.id, { userIds: [learners[0].id] });
		await expect(
			memberships.add(actor(leader), a.id, { userIds: [learners[1].id], overLimit: true })
		).rejects.toMatchObject({ status: 409, code: 'over_limit' });
		expect(await countIn(a.id)).toBe(2);
	});

	it('honours the over-limit switch at the database for course staff only, whoever sets it', async () => {
		const { a } = await limitedSet();
		await memberships.add(staff(), a.id, { userIds: learners.slice(0, 2).map((l) => l.id) });
		const insertAs = (who: TestUser, learner: TestUser) =>
			ownerDb().begin(async (tx) => {
				await tx`
					select set_config('request.jwt.claims', ${JSON.stringify({ sub: who.id, role: 'authenticated' })}, true),
					       set_config('tessera.over_limit', 'on', true)`;
				await tx`
					insert into public.group_members (group_id, user_id, role, source)
					values (${a.id}, ${learner.id}, 'member', 'manual')`;
			});
		await expect(insertAs(learners[2], learners[2])).rejects.toMatchObject({
			code: '23514',
			hint: 'grouping_full'
		});
		expect(await countIn(a.id)).toBe(2);
		await insertAs(instructor, learners[3]);
		expect(await countIn(a.id)).toBe(3);
	});

	it('is kept by "Assign unassigned" while sign-up is closed', async () => {
		const { a, b, grouping } = await limitedSet();
		const result = await courseGroups.assignUnassigned(staff(), grouping.id);
		expect(result.assigned).toBe(4);
		expect(result.leftOver).toHaveLength(4);
		expect(await countIn(a.id)).toBe(2);
		expect(await countIn(b.id)).toBe(2);
	});

	it('is kept by self sign-up as it was', async () => {
		const { a, grouping } = await limitedSet();
		await courseGroups.updateSignup(staff(), grouping.id, { open: true, sizeLimit: 2 });
		await courseGroups.signUp(actor(learners[0]), a.id);
		await courseGroups.signUp(actor(learners[1]), a.id);
		await expect(courseGroups.signUp(actor(learners[2]), a.id)).rejects.toMatchObject({
			code: 'group_full'
		});
	});
});
