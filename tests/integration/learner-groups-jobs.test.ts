import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { work } from '$lib/server/jobs/boss';
import * as learnerGroups from '$lib/server/learner-groups';
import {
	cadenceQueue,
	handleCadence,
	handleRefresh,
	refreshQueue
} from '$lib/server/learner-groups/jobs';
import * as progress from '$lib/server/progress';
import { listenForFactChanges } from '$lib/server/learner-groups/freshness';
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

let staff: TestUser;
let learners: TestUser[];
let course: { id: string };
let activity: { id: string };

beforeAll(async () => {
	process.env.LEARNER_GROUP_EVENT_DEBOUNCE_SECONDS = '1';
	const org = await createOrganisation();
	course = await createCourse(org.id);
	staff = await createUser({ name: 'Instructor' });
	await enrol(course.id, staff.id, 'instructor');
	learners = [];
	for (const name of ['Pat', 'Quinn', 'Rae']) {
		const person = await createUser({ name });
		await addOrganisationMember(org.id, person.id);
		await enrol(course.id, person.id);
		learners.push(person);
	}
	activity = await progress.createActivity(actor(staff), course.id, { title: 'Lab 1' });
	await learnerGroups.enable(actor(staff), course.id);
	await work(refreshQueue, handleRefresh, { pollingIntervalSeconds: 0.5 });
	await work(cadenceQueue, handleCadence, { pollingIntervalSeconds: 0.5 });
});

afterAll(() => {
	delete process.env.LEARNER_GROUP_EVENT_DEBOUNCE_SECONDS;
});

async function refreshesOf(groupId: string, trigger: string) {
	return ownerDb()<{ added_count: number; removed_count: number }[]>`
		select added_count, removed_count from public.learner_group_refreshes
		where group_id = ${groupId} and trigger = ${trigger}`;
}

describe('learner group refreshes through pg-boss', () => {
	it('refreshes a dynamic group once, shortly after a burst of completions it depends on', async () => {
		const group = await learnerGroups.create(actor(staff), course.id, {
			name: 'Lab 1 missing',
			criteria: {
				all: [
					{ type: 'enrolment', role: 'learner' },
					{ type: 'completed', activityId: activity.id, negate: true }
				]
			}
		});
		expect(group.memberCount).toBe(3);
		const stop = await listenForFactChanges();
		try {
			await progress.markComplete(actor(learners[0]), activity.id);
			await progress.markComplete(actor(learners[1]), activity.id);
			await expect
				.poll(() => refreshesOf(group.id, 'event'), { timeout: 20_000, interval: 250 })
				.toEqual([{ added_count: 0, removed_count: 2 }]);
		} finally {
			await stop();
		}
		expect(
			(await learnerGroups.get(actor(staff), group.id)).members.map((m) => m.displayName)
		).toEqual(['Rae']);
	});

	it('keeps one waiting event refresh per group, however many events arrive', async () => {
		const group = await learnerGroups.create(actor(staff), course.id, {
			name: 'Debounced',
			refreshMode: 'dynamic',
			criteria: { all: [{ type: 'completed', activityId: 'any' }] }
		});
		process.env.LEARNER_GROUP_EVENT_DEBOUNCE_SECONDS = '60';
		try {
			const { enqueueEventRefresh } = await import('$lib/server/learner-groups/jobs');
			for (let i = 0; i < 5; i += 1) await enqueueEventRefresh(group.id);
			const [row] = await ownerDb()<{ n: number }[]>`
				select count(*)::int as n from pgboss.job
				where name = 'learner-group-refresh' and singleton_key = ${group.id} and state = 'created'`;
			expect(row.n).toBe(1);
		} finally {
			process.env.LEARNER_GROUP_EVENT_DEBOUNCE_SECONDS = '1';
		}
	});

	it('refreshes dynamic groups whose cadence came round, and never static ones', async () => {
		const criteria = { all: [{ type: 'enrolment', role: 'learner', status: 'active' }] };
		const dynamic = await learnerGroups.create(actor(staff), course.id, {
			name: 'Hourly',
			criteria
		});
		const fixed = await learnerGroups.create(actor(staff), course.id, {
			name: 'Snapshot',
			refreshMode: 'static',
			criteria
		});
		await ownerDb()`update public.enrolments set status = 'suspended' where user_id = ${learners[2].id}`;
		await ownerDb()`
			update public.learner_group_criteria set last_refreshed_at = now() - interval '2 hours'
			where group_id in (${dynamic.id}, ${fixed.id})`;
		await cadenceQueue.send({});
		await expect
			.poll(() => refreshesOf(dynamic.id, 'schedule'), { timeout: 20_000, interval: 250 })
			.toEqual([{ added_count: 0, removed_count: 1 }]);
		expect(await refreshesOf(fixed.id, 'schedule')).toEqual([]);
		expect((await learnerGroups.get(actor(staff), fixed.id)).memberCount).toBe(3);
	});

	it('refreshes a dynamic group shortly after an enrolment written by any path', async () => {
		const org = await createOrganisation();
		const other = await createCourse(org.id);
		await enrol(other.id, staff.id, 'instructor');
		await learnerGroups.enable(actor(staff), other.id);
		const group = await learnerGroups.create(actor(staff), other.id, {
			name: 'Active learners',
			criteria: { all: [{ type: 'enrolment', role: 'learner', status: 'active' }] }
		});
		expect(group.memberCount).toBe(0);
		const stop = await listenForFactChanges();
		try {
			// As a cohort sync, an import or a script would: straight into the table, no domain call.
			await ownerDb()`
				insert into public.enrolments (course_id, user_id)
				select ${other.id}, unnest(${learners.map((l) => l.id)}::uuid[])`;
			await expect
				.poll(() => refreshesOf(group.id, 'event'), { timeout: 20_000, interval: 250 })
				.toEqual([{ added_count: 3, removed_count: 0 }]);
		} finally {
			await stop();
		}
	});
});
