import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as courseGroups from '$lib/server/course-groups';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import { stopBoss, work } from '$lib/server/jobs/boss';
import * as membersRoute from '../../src/routes/api/v1/groups/[id]/members/+server';
import * as assignRoute from '../../src/routes/api/v1/groupings/[id]/signup/assign/+server';
import { callEndpoint } from './route-call';
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

afterAll(async () => {
	await stopBoss();
});

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
		const result = (await courseGroups.assignUnassigned(
			staff(),
			grouping.id
		)) as courseGroups.AssignReport;
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

describe('the JSON API of group sets', () => {
	it('refuses an add past the limit with over_limit, adds with overLimit: true, and reports moves', async () => {
		const { a, b, grouping } = await limitedSet();
		const ids = learners.slice(0, 3).map((l) => l.id);
		const refused = await callEndpoint(membersRoute.POST, {
			user: instructor,
			params: { id: a.id },
			json: { userIds: ids }
		});
		expect(refused).toMatchObject({ status: 409, body: { error: { code: 'over_limit' } } });
		const added = await callEndpoint(membersRoute.POST, {
			user: instructor,
			params: { id: a.id },
			json: { userIds: ids, overLimit: true }
		});
		expect(added).toMatchObject({ status: 200, body: { added: 3, moved: [] } });
		expect(
			await callEndpoint(membersRoute.POST, {
				user: instructor,
				params: { id: a.id },
				json: { userIds: ids, overLimit: 'yes' }
			})
		).toMatchObject({ status: 400 });

		await courseGroups.updateGrouping(staff(), grouping.id, { exclusive: true });
		await courseGroups.updateSignup(staff(), grouping.id, { open: false, sizeLimit: null });
		const moved = await callEndpoint(membersRoute.POST, {
			user: instructor,
			params: { id: b.id },
			json: { userIds: [learners[0].id] }
		});
		expect(moved).toMatchObject({
			status: 200,
			body: {
				added: 1,
				moved: [
					{
						userId: learners[0].id,
						displayName: 'Learner 1',
						fromGroupId: a.id,
						fromGroupName: 'Desk A'
					}
				]
			}
		});
		expect(await countIn(a.id)).toBe(2);
	});
});

describe('"Assign unassigned" as a job', () => {
	it('runs a large grouping in batches, with progress readable through the API, within the limit', async () => {
		process.env.ASSIGN_UNASSIGNED_JOB_THRESHOLD = '3';
		process.env.ASSIGN_UNASSIGNED_BATCH = '2';
		try {
			const { a, b, grouping } = await limitedSet();
			await courseGroups.updateSignup(staff(), grouping.id, { open: false, sizeLimit: 3 });
			expect(
				await callEndpoint(assignRoute.GET, { user: instructor, params: { id: grouping.id } })
			).toEqual({ status: 200, body: { run: null } });

			const queued = await callEndpoint(assignRoute.POST, {
				user: instructor,
				params: { id: grouping.id }
			});
			expect(queued).toMatchObject({
				status: 202,
				body: { run: { status: 'queued', total: 8, processed: 0, assigned: 0 } }
			});
			// Asking again while it waits gives the same run, not a second one.
			const again = await callEndpoint(assignRoute.POST, {
				user: instructor,
				params: { id: grouping.id }
			});
			const runId = (queued.body as { run: { id: string } }).run.id;
			expect(again).toMatchObject({ status: 202, body: { run: { id: runId } } });

			const seen: number[] = [];
			await work(courseGroups.assignQueue, courseGroups.handleAssignRun, {
				pollingIntervalSeconds: 0.5
			});
			let run: courseGroups.AssignRun | null = null;
			for (let i = 0; i < 300; i++) {
				const answer = await callEndpoint(assignRoute.GET, {
					user: instructor,
					params: { id: grouping.id }
				});
				run = (answer.body as { run: courseGroups.AssignRun }).run;
				seen.push(run.processed);
				if (run.status === 'done' || run.status === 'failed') break;
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
			expect(run).toMatchObject({ status: 'done', total: 8, processed: 8, assigned: 6 });
			expect(run!.leftOver).toHaveLength(2);
			expect(seen).toEqual([...seen].sort((x, y) => x - y));
			expect(await countIn(a.id)).toBe(3);
			expect(await countIn(b.id)).toBe(3);

			// A learner cannot read or start it.
			expect(
				await callEndpoint(assignRoute.GET, { user: learners[0], params: { id: grouping.id } })
			).toMatchObject({ status: 404 });
			expect(
				await callEndpoint(assignRoute.POST, { user: learners[0], params: { id: grouping.id } })
			).toMatchObject({ status: 404 });
		} finally {
			delete process.env.ASSIGN_UNASSIGNED_JOB_THRESHOLD;
			delete process.env.ASSIGN_UNASSIGNED_BATCH;
		}
	});
});
