import fc from 'fast-check';
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

// Exclusivity and automatic creation under concurrency and random input, on the real database.

let org: { id: string };
let instructor: TestUser;

beforeAll(async () => {
	org = await createOrganisation();
	instructor = await createUser({ name: 'Concurrent Instructor' });
});

async function courseWith(learnerCount: number) {
	const course = await createCourse(org.id);
	await enrol(course.id, instructor.id, 'instructor');
	const learners: TestUser[] = [];
	for (let i = 0; i < learnerCount; i++) {
		const learner = await createUser({ name: `Learner ${String(i).padStart(3, '0')} Q${i % 7}` });
		await enrol(course.id, learner.id);
		learners.push(learner);
	}
	return { course, learners };
}

/** People in two or more groups of the grouping. */
async function doubles(groupingId: string) {
	return ownerDb()`
		select m.user_id from public.grouping_groups gg join public.group_members m on m.group_id = gg.group_id
		where gg.grouping_id = ${groupingId} group by m.user_id having count(*) > 1`;
}

describe('exclusive groupings under concurrency', () => {
	it('leaves a learner in exactly one group when they sign up to four at once, repeatedly', async () => {
		const { course, learners } = await courseWith(6);
		const created = await courseGroups.autoCreate(actor(instructor), course.id, {
			by: 'groups',
			count: 4,
			naming: 'Room #',
			allocation: 'none',
			grouping: { name: 'Rooms' }
		});
		const groupingId = created.groupingId!;
		await courseGroups.updateGrouping(actor(instructor), groupingId, { exclusive: true });
		await courseGroups.updateSignup(actor(instructor), groupingId, {
			open: true,
			autoLeader: 'first'
		});
		for (let round = 0; round < 3; round++) {
			const results = await Promise.allSettled(
				learners.flatMap((learner) =>
					created.groups.map((group) => courseGroups.signUp(actor(learner), group.id))
				)
			);
			for (const result of results) {
				if (result.status === 'rejected') {
					// The only acceptable refusal: the learner's own earlier join of this group.
					expect(result.reason).toMatchObject({ code: 'already_member' });
				}
			}
			expect(await doubles(groupingId)).toHaveLength(0);
			const [{ n }] = await ownerDb()`
				select count(distinct m.user_id)::int as n from public.grouping_groups gg
				join public.group_members m on m.group_id = gg.group_id where gg.grouping_id = ${groupingId}`;
			expect(n).toBe(learners.length);
			// Every group with people in it has exactly one leader.
			const leaders = await ownerDb()<{ people: number; leaders: number }[]>`
				select count(*)::int as people, count(*) filter (where m.role = 'leader')::int as leaders
				from public.grouping_groups gg join public.group_members m on m.group_id = gg.group_id
				where gg.grouping_id = ${groupingId} group by gg.group_id`;
			for (const group of leaders) expect(group.leaders).toBe(1);
		}
	});

	it('ends two concurrent staff adds of one learner into two groups with them in one, the later a move', async () => {
		const { course, learners } = await courseWith(5);
		const a = await groups.create(actor(instructor), { courseId: course.id, name: 'Left' });
		const b = await groups.create(actor(instructor), { courseId: course.id, name: 'Right' });
		const grouping = await courseGroups.createGrouping(actor(instructor), course.id, {
			name: 'Sides',
			exclusive: true
		});
		await courseGroups.addToGrouping(actor(instructor), grouping.id, [a.id, b.id]);
		for (const learner of learners) {
			const results = await Promise.allSettled([
				memberships.add(actor(instructor), a.id, { userIds: [learner.id] }),
				memberships.add(actor(instructor), b.id, { userIds: [learner.id] })
			]);
			const reports = results.map((r) => {
				expect(r.status).toBe('fulfilled');
				return (r as PromiseFulfilledResult<memberships.AddReport>).value;
			});
			expect(reports.map((report) => report.moved.length).sort()).toEqual([0, 1]);
		}
		expect(await doubles(grouping.id)).toHaveLength(0);
	});

	it('lets staff adds and sign-ups race in one exclusive grouping without doubles or deadlocks', async () => {
		const { course, learners } = await courseWith(8);
		const created = await courseGroups.autoCreate(actor(instructor), course.id, {
			by: 'groups',
			count: 3,
			naming: 'Desk #',
			allocation: 'none',
			grouping: { name: 'Desks' }
		});
		const groupingId = created.groupingId!;
		await courseGroups.updateGrouping(actor(instructor), groupingId, { exclusive: true });
		await courseGroups.updateSignup(actor(instructor), groupingId, {
			open: true,
			autoLeader: 'random'
		});
		const [x, y, z] = created.groups;
		const results = await Promise.allSettled(
			learners.flatMap((learner, i) => [
				courseGroups.signUp(actor(learner), (i % 2 ? x : z).id),
				memberships.add(actor(instructor), y.id, { userIds: [learner.id] })
			])
		);
		for (const result of results) {
			if (result.status === 'rejected') {
				expect(result.reason).toMatchObject({ status: 409, code: 'exclusive_grouping' });
			}
		}
		expect(await doubles(groupingId)).toHaveLength(0);
		const [{ n }] = await ownerDb()`
			select count(distinct m.user_id)::int as n from public.grouping_groups gg
			join public.group_members m on m.group_id = gg.group_id where gg.grouping_id = ${groupingId}`;
		expect(n).toBe(learners.length);
	});

	it('never ends exclusive with someone in two groups when it is made exclusive during adds', async () => {
		const { course, learners } = await courseWith(8);
		const a = await groups.create(actor(instructor), { courseId: course.id, name: 'North' });
		const b = await groups.create(actor(instructor), { courseId: course.id, name: 'South' });
		const grouping = await courseGroups.createGrouping(actor(instructor), course.id, {
			name: 'Compass'
		});
		await courseGroups.addToGrouping(actor(instructor), grouping.id, [a.id, b.id]);
		await memberships.add(actor(instructor), a.id, { userIds: learners.map((l) => l.id) });
		const results = await Promise.allSettled([
			...learners.map((learner) =>
				memberships.add(actor(instructor), b.id, { userIds: [learner.id] })
			),
			courseGroups.updateGrouping(actor(instructor), grouping.id, { exclusive: true })
		]);
		const [{ exclusive }] = await ownerDb()`
			select exclusive from public.groupings where id = ${grouping.id}`;
		const made = results[results.length - 1];
		expect(made.status === 'fulfilled').toBe(exclusive);
		if (exclusive) expect(await doubles(grouping.id)).toHaveLength(0);
		else {
			expect((made as PromiseRejectedResult).reason).toMatchObject({ code: 'exclusive_grouping' });
		}
	});
});

describe('automatic creation on random options (property)', () => {
	it('puts every source learner in exactly one new group and respects the counts', async () => {
		const { course, learners } = await courseWith(23);
		await fc.assert(
			fc.asyncProperty(
				fc.record({
					by: fc.constantFrom('groups', 'members'),
					count: fc.integer({ min: 1, max: 9 }),
					allocation: fc.constantFrom('random', 'alphabetical'),
					seed: fc.integer({ min: 1, max: 2_147_483_647 }),
					preventLastSmall: fc.boolean()
				}),
				async (options) => {
					const created = await courseGroups.autoCreate(actor(instructor), course.id, {
						...options,
						naming: 'Prop #'
					});
					const ids = created.groups.map((group) => group.id);
					const rows = await ownerDb()<{ user_id: string; group_id: string }[]>`
						select user_id, group_id from public.group_members where group_id = any(${ids}::uuid[])`;
					expect(rows).toHaveLength(learners.length);
					expect(new Set(rows.map((row) => row.user_id))).toEqual(
						new Set(learners.map((learner) => learner.id))
					);
					const sizes = ids.map((id) => rows.filter((row) => row.group_id === id).length);
					expect(sizes).toEqual(created.groups.map((group) => group.memberCount));
					if (options.by === 'groups') {
						expect(ids).toHaveLength(options.count);
						expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
					} else if (!options.preventLastSmall) {
						expect(sizes.every((size) => size <= options.count)).toBe(true);
					} else if (sizes.length > 1) {
						expect(Math.min(...sizes)).toBeGreaterThanOrEqual(options.count * 0.7);
					}
					await ownerDb()`delete from public.groups where id = any(${ids}::uuid[])`;
				}
			),
			{ numRuns: 15 }
		);
	});
});
