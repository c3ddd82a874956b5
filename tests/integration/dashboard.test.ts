import { beforeAll, describe, expect, it } from 'vitest';
import * as dashboard from '$lib/server/dashboard';
import { readAs, withUser } from '$lib/server/db';
import * as progress from '$lib/server/progress';
import { groupCast, type Cast } from './group-cast';
import { actor, createCourse, createUser, enrol, ownerDb, type TestUser } from './helpers';

const DAY = 24 * 60 * 60 * 1000;

let cast: Cast;
let course: { id: string; code: string };
let instructor: TestUser;
let A: string[];

/**
 * The groups cast, all four learners in one course with three activities (the third overdue):
 * learnerG has done two (66.7 %), learnerG1 one (33.3 %), learnerG1a none, learnerH all three.
 */
beforeAll(async () => {
	cast = await groupCast();
	course = await createCourse(cast.org.id);
	instructor = await createUser({ name: 'Instructor' });
	await enrol(course.id, instructor.id, 'instructor');
	for (const person of [cast.learnerG, cast.learnerG1, cast.learnerG1a, cast.learnerH]) {
		await enrol(course.id, person.id);
	}
	const staff = actor(instructor);
	A = [];
	for (const [i, title] of ['Read', 'Watch', 'Submit'].entries()) {
		const activity = await progress.createActivity(staff, course.id, {
			title,
			position: i,
			dueAt: i === 2 ? new Date(Date.now() - DAY).toISOString() : null
		});
		A.push(activity.id);
	}
	const done: [TestUser, number[]][] = [
		[cast.learnerG, [0, 1]],
		[cast.learnerG1, [0]],
		[cast.learnerH, [0, 1, 2]]
	];
	for (const [person, indexes] of done) {
		for (const index of indexes) {
			await progress.recordCompletion(staff, A[index], { userId: person.id });
		}
	}
});

const people = (rows: { displayName: string }[]) => rows.map((row) => row.displayName).sort();

describe('the leader dashboard under the groups cast', () => {
	it('shows the leader of G their learners in G and its sub-groups, with progress and flags', async () => {
		const view = await dashboard.dashboard(actor(cast.leaderG), cast.G.id, { sort: 'progress' });
		expect(
			view.rows.map((row) => [row.displayName, row.percent, row.done, row.visible, row.overdue])
		).toEqual([
			['learnerG1a', 0, 0, 3, 1],
			['learnerG1', 33.3, 1, 3, 1],
			['learnerG', 66.7, 2, 3, 1]
		]);
		expect(view.courses).toEqual([
			expect.objectContaining({ id: course.id, learners: 3, median: 33.3 })
		]);
		const byName = Object.fromEntries(view.rows.map((row) => [row.displayName, row]));
		expect(byName.learnerG1a.behind).toBe(true);
		expect(byName.learnerG.behind).toBe(false);
		expect(byName.learnerG1.lastActivityAt).toBeInstanceOf(Date);
		expect(byName.learnerG1a.inactive).toBe(false);
	});

	it('never shows the leader of a sub-group anyone of the parent or a sibling, not even in counts or charts', async () => {
		const leader = actor(cast.leaderG1);
		const view = await dashboard.dashboard(leader, cast.G1.id);
		expect(people(view.rows)).toEqual(['learnerG1', 'learnerG1a']);
		expect(view.total).toBe(2);
		const buckets = await dashboard.distribution(leader, cast.G1.id);
		expect(buckets.reduce((sum, b) => sum + b.count, 0)).toBe(2);
		expect(buckets[0].count).toBe(1);
		expect(buckets[3].count).toBe(1);
		const series = await dashboard.overTime(leader, cast.G1.id, { days: 7 });
		expect(series.reduce((sum, p) => sum + p.completions, 0)).toBe(1);
		expect(series.at(-1)!.percent).toBe(16.7);
		const csv = await dashboard.csv(leader, cast.G1.id);
		expect(csv).toContain('learnerG1a');
		expect(csv).not.toMatch(/learnerG,|learnerH/);
		for (const other of [cast.G.id, cast.H.id]) {
			await expect(dashboard.dashboard(leader, other)).rejects.toMatchObject({ status: 404 });
			await expect(dashboard.distribution(leader, other)).rejects.toMatchObject({ status: 404 });
			await expect(dashboard.overTime(leader, other)).rejects.toMatchObject({ status: 404 });
			await expect(dashboard.page(leader, other)).rejects.toMatchObject({ status: 404 });
		}
		// The page's single read gives the same answers as the three reads.
		for (const options of [{}, { sort: 'progress', direction: 'desc' }, { filter: 'atRisk' }]) {
			expect(await dashboard.page(leader, cast.G1.id, options, 7)).toEqual({
				board: await dashboard.dashboard(leader, cast.G1.id, options),
				buckets: await dashboard.distribution(leader, cast.G1.id),
				overTime: await dashboard.overTime(leader, cast.G1.id, { days: 7 })
			});
		}
		await expect(dashboard.learner(leader, cast.G1.id, cast.learnerG.id)).rejects.toMatchObject({
			status: 404
		});
	});

	it('keeps the data itself from a leader, whatever SQL runs: RLS returns only their learners', async () => {
		const seen = await readAs(actor(cast.leaderG1), async (tx) => ({
			completions: (await tx`select distinct user_id from public.completions`).map(
				(r) => r.user_id
			),
			enrolments: (await tx`select user_id from public.enrolments where role = 'learner'`).map(
				(r) => r.user_id
			),
			events: (await tx`select distinct user_id from public.learner_events`).map((r) => r.user_id),
			// Even the dashboard SQL of a group they do not lead finds nobody.
			rows: (await tx`${dashboard.rowsSql(tx, cast.G.id, null)}`).map((r) => r.userId)
		}));
		const mine = [cast.learnerG1.id, cast.learnerG1a.id].sort();
		expect([...seen.completions].sort()).toEqual([cast.learnerG1.id]);
		expect([...seen.enrolments].sort()).toEqual(mine);
		expect(seen.events).toEqual([]);
		expect([...seen.rows].sort()).toEqual(mine);
	});

	it('lets the leader of H see only H, and refuses learners, outsiders and other organisations', async () => {
		expect(people((await dashboard.dashboard(actor(cast.leaderH), cast.H.id)).rows)).toEqual([
			'learnerH'
		]);
		for (const person of [cast.learnerG, cast.learnerG1, cast.outsider, cast.otherOrgAdmin]) {
			await expect(dashboard.dashboard(actor(person), cast.G.id)).rejects.toMatchObject({
				status: 404
			});
		}
	});

	it('gives admins their scope: the organisation admin and the platform admin see all of G', async () => {
		for (const person of [cast.orgAdmin, cast.platformAdmin]) {
			const view = await dashboard.dashboard(actor(person), cast.G.id);
			expect(people(view.rows)).toEqual(['learnerG', 'learnerG1', 'learnerG1a']);
		}
	});

	it('drills down to one learner, activity by activity', async () => {
		const detail = await dashboard.learner(actor(cast.leaderG1), cast.G1.id, cast.learnerG1.id);
		expect(detail.user.displayName).toBe('learnerG1');
		expect(detail.courses).toHaveLength(1);
		expect(
			detail.courses[0].activities.map((a) => [a.title, a.completedAt !== null, a.overdue])
		).toEqual([
			['Read', true, false],
			['Watch', false, false],
			['Submit', false, true]
		]);
	});

	it('filters, searches and sorts', async () => {
		const leader = actor(cast.leaderG);
		const behind = await dashboard.dashboard(leader, cast.G.id, { filter: 'behind' });
		expect(people(behind.rows)).toEqual(['learnerG1a']);
		const search = await dashboard.dashboard(leader, cast.G.id, { search: 'G1A' });
		expect(people(search.rows)).toEqual(['learnerG1a']);
		const desc = await dashboard.dashboard(leader, cast.G.id, {
			sort: 'progress',
			direction: 'desc'
		});
		expect(desc.rows[0].displayName).toBe('learnerG');
		await expect(dashboard.dashboard(leader, cast.G.id, { sort: 'drop' })).rejects.toMatchObject({
			status: 400
		});
	});

	it('stops showing progress to leaders of a group that does not let them see it', async () => {
		await ownerDb()`update public.groups set leaders_see_progress = false where id = ${cast.H.id}`;
		try {
			await expect(dashboard.dashboard(actor(cast.leaderH), cast.H.id)).rejects.toMatchObject({
				status: 404
			});
			const seen = await withUser(
				actor(cast.leaderH),
				(tx) => tx`select 1 from public.completions`
			);
			expect(seen).toHaveLength(0);
		} finally {
			await ownerDb()`update public.groups set leaders_see_progress = true where id = ${cast.H.id}`;
		}
	});

	it('shares a course median only with those who follow the course, and only from five learners', async () => {
		const median = (person: TestUser) =>
			readAs(
				actor(person),
				(tx) => tx`select * from private.course_median_progress(${[course.id]}::uuid[])`
			);
		// Four learners: no course median for anyone. Six (two new at 0 %): 0, 0, 0, 33.3, 66.7, 100.
		expect(await median(instructor)).toEqual([]);
		for (let i = 0; i < 2; i += 1) {
			const extra = await createUser({ name: `Extra ${i}` });
			await enrol(course.id, extra.id);
		}
		expect((await median(instructor)).map((row) => Number(row.median))).toEqual([16.7]);
		expect((await median(cast.leaderG1)).map((row) => Number(row.median))).toEqual([16.7]);
		expect(await median(cast.outsider)).toEqual([]);
	});
});
