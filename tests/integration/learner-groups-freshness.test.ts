import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cohorts from '$lib/server/cohorts';
import * as learnerGroups from '$lib/server/learner-groups';
import * as progress from '$lib/server/progress';
import { listenForFactChanges, setRefreshScheduler } from '$lib/server/learner-groups/freshness';
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

// A scheduled or event refresh skips the set-based diff when nothing its criteria read was written
// since it last evaluated (private.learner_fact_changes); enrolments and memberships written by
// any path queue the refresh of the dynamic groups that read them (NOTIFY tessera_learner_groups).

let org: { id: string };

beforeAll(async () => {
	org = await createOrganisation();
});

afterAll(() => setRefreshScheduler(null));

async function courseWith(names: string[]) {
	const course = await createCourse(org.id);
	const instructor = await createUser({ name: 'Instructor' });
	await addOrganisationMember(org.id, instructor.id);
	await enrol(course.id, instructor.id, 'instructor');
	const learners: Record<string, TestUser> = {};
	for (const name of names) learners[name] = await newLearner(course.id, name);
	const activity = await progress.createActivity(actor(instructor), course.id, { title: 'Week 1' });
	await learnerGroups.enable(actor(instructor), course.id);
	return { course, staff: actor(instructor), learners, activity };
}

async function newLearner(courseId: string, name: string) {
	const person = await createUser({ name });
	await addOrganisationMember(org.id, person.id);
	await enrol(courseId, person.id);
	return person;
}

const notDone = (activityId: string) => ({
	all: [
		{ type: 'enrolment', role: 'learner', status: 'active' },
		{ type: 'completed', activityId, negate: true }
	]
});

async function memberNames(groupId: string) {
	const rows = await ownerDb()<{ name: string }[]>`
		select u.display_name as name from public.group_members m join public.users u on u.id = m.user_id
		where m.group_id = ${groupId} and m.role = 'member' order by 1`;
	return rows.map((row) => row.name);
}

describe('a refresh with nothing changed', () => {
	it('skips the diff until something its criteria read is written, and never skips by hand', async () => {
		const { course, staff, learners, activity } = await courseWith(['Ana', 'Ben']);
		const group = await learnerGroups.create(staff, course.id, {
			name: 'Week 1 missing',
			criteria: notDone(activity.id)
		});
		expect(group.memberCount).toBe(2);
		const before = await ownerDb()`select count(*)::int as n from public.audit_events`;

		const idle = await learnerGroups.runRefresh(group.id, 'schedule');
		expect(idle).toEqual({ added: 0, removed: 0, members: 2, refreshId: null, skipped: true });
		expect((await learnerGroups.runRefresh(group.id, 'event')).skipped).toBe(true);
		// Skipping leaves no history and no audit row, but counts as refreshed for the cadence.
		const [after] = await ownerDb()`select count(*)::int as n from public.audit_events`;
		expect(after.n).toBe(before[0].n);
		expect((await learnerGroups.refreshes(staff, group.id)).map((r) => r.trigger)).toEqual([
			'create'
		]);
		expect((await learnerGroups.dueForRefresh(new Date(), 1000)).includes(group.id)).toBe(false);

		// A course view is a fact this group does not read.
		await progress.recordEvent(actor(learners.Ana), { kind: 'course_view', courseId: course.id });
		expect((await learnerGroups.runRefresh(group.id, 'schedule')).skipped).toBe(true);

		// An enrolment written straight into the table, as a cohort sync or an import would.
		const cy = await newLearner(course.id, 'Cy');
		expect(await learnerGroups.runRefresh(group.id, 'schedule')).toMatchObject({
			added: 1,
			skipped: false
		});
		expect((await learnerGroups.runRefresh(group.id, 'schedule')).skipped).toBe(true);

		await progress.markComplete(actor(learners.Ben), activity.id);
		expect(await learnerGroups.runRefresh(group.id, 'schedule')).toMatchObject({
			removed: 1,
			skipped: false
		});
		await ownerDb()`update public.enrolments set status = 'suspended' where user_id = ${cy.id} and course_id = ${course.id}`;
		expect(await learnerGroups.runRefresh(group.id, 'schedule')).toMatchObject({
			removed: 1,
			skipped: false
		});
		// A new activity changes nothing here, but it is a fact the group reads: evaluated, not skipped.
		await progress.createActivity(staff, course.id, { title: 'Week 2' });
		expect((await learnerGroups.runRefresh(group.id, 'schedule')).skipped).toBe(false);
		expect(await memberNames(group.id)).toEqual(['Ana']);

		// By hand, always evaluated; new criteria are a new question.
		expect((await learnerGroups.runRefresh(group.id, 'manual')).skipped).toBe(false);
		await learnerGroups.update(staff, group.id, { cadenceMinutes: 30 });
		expect((await learnerGroups.runRefresh(group.id, 'schedule')).skipped).toBe(true);
		await ownerDb()`
			update public.learner_group_criteria
			set criteria = ${ownerDb().json({ all: [{ type: 'enrolment', status: 'suspended' }] })}
			where group_id = ${group.id}`;
		expect(await learnerGroups.runRefresh(group.id, 'schedule')).toMatchObject({
			added: 1,
			removed: 1,
			skipped: false
		});
		expect(await memberNames(group.id)).toEqual(['Cy']);
	});

	it('sees a write that was still in flight when the last refresh read its facts', async () => {
		const { course, staff, activity } = await courseWith(['Dee']);
		const group = await learnerGroups.create(staff, course.id, {
			name: 'Week 1 missing',
			criteria: notDone(activity.id)
		});
		const late = await createUser({ name: 'Late' });
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		let written!: () => void;
		const inserted = new Promise<void>((resolve) => (written = resolve));
		const writer = ownerDb().begin(async (tx) => {
			await tx`insert into public.enrolments (course_id, user_id) values (${course.id}, ${late.id})`;
			written();
			await held;
		});
		await inserted;
		// Reads before the enrolment commits: cannot see it.
		expect(await learnerGroups.runRefresh(group.id, 'manual')).toMatchObject({ added: 0 });
		release();
		await writer;
		expect(await learnerGroups.runRefresh(group.id, 'schedule')).toMatchObject({
			added: 1,
			skipped: false
		});
		expect(await memberNames(group.id)).toEqual(['Dee', 'Late']);
	});

	it('follows memberships of the group a criterion names, its sub-groups and moves', async () => {
		const { course, staff, learners } = await courseWith(['Eli', 'Fay']);
		const [mentors] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, name, visibility)
			values ('organisation', ${org.id}, 'Mentors', 'scope')
			returning id`;
		const [pairs] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, parent_id, name)
			values ('organisation', ${org.id}, ${mentors.id}, 'Pairs') returning id`;
		const [elsewhere] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, name, visibility)
			values ('organisation', ${org.id}, 'Elsewhere', 'scope')
			returning id`;
		const group = await learnerGroups.create(staff, course.id, {
			name: 'Not mentored',
			criteria: {
				all: [
					{ type: 'enrolment', role: 'learner' },
					{ type: 'member', groupId: mentors.id, negate: true }
				]
			}
		});
		expect(await memberNames(group.id)).toEqual(['Eli', 'Fay']);
		expect((await learnerGroups.runRefresh(group.id, 'schedule')).skipped).toBe(true);

		// A membership in an unrelated group is nothing to this one.
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${elsewhere.id}, ${learners.Eli.id})`;
		expect((await learnerGroups.runRefresh(group.id, 'schedule')).skipped).toBe(true);

		// Fay joins a sub-group of Mentors: an effective member of Mentors.
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${pairs.id}, ${learners.Fay.id})`;
		expect(await learnerGroups.runRefresh(group.id, 'schedule')).toMatchObject({
			removed: 1,
			skipped: false
		});
		expect((await learnerGroups.runRefresh(group.id, 'schedule')).skipped).toBe(true);

		// Pairs moves out from under Mentors: Fay is no longer mentored.
		await ownerDb()`update public.groups set parent_id = null where id = ${pairs.id}`;
		expect(await learnerGroups.runRefresh(group.id, 'schedule')).toMatchObject({
			added: 1,
			skipped: false
		});
		expect(await memberNames(group.id)).toEqual(['Eli', 'Fay']);

		// A membership that ends by the clock: recorded by the membership sweep.
		await ownerDb()`
			insert into public.group_members (group_id, user_id, valid_until)
			values (${mentors.id}, ${learners.Eli.id}, now() + interval '1 second')`;
		expect(await learnerGroups.runRefresh(group.id, 'schedule')).toMatchObject({ removed: 1 });
		await new Promise((resolve) => setTimeout(resolve, 1200));
		await cohorts.syncDueMemberships();
		expect(await learnerGroups.runRefresh(group.id, 'schedule')).toMatchObject({
			added: 1,
			skipped: false
		});
	});

	it('trusts an "inactive" result only until the first person can cross the line', async () => {
		const { course, staff, learners } = await courseWith(['Gus']);
		await ownerDb()`
			update public.enrolments set enrolled_at = now() - interval '30 days' where course_id = ${course.id}`;
		// Gus was last seen 6 hours short of a week ago: inactive for a week in 6 hours.
		await ownerDb()`
			insert into public.learner_events (user_id, course_id, kind, occurred_at)
			values (${learners.Gus.id}, ${course.id}, 'course_view', now() - interval '7 days' + interval '6 hours')`;
		const group = await learnerGroups.create(staff, course.id, {
			name: 'Quiet for a week',
			criteria: {
				all: [
					{ type: 'enrolment', role: 'learner' },
					{ type: 'inactive', days: 7 }
				]
			}
		});
		expect(group.memberCount).toBe(0);
		const [{ stable_until }] = await ownerDb()<{ stable_until: Date }[]>`
			select stable_until from public.learner_group_criteria where group_id = ${group.id}`;
		const hour = (n: number) => new Date(Date.now() + n * 3_600_000);
		expect(Math.abs(stable_until.getTime() - hour(6).getTime())).toBeLessThan(60_000);

		expect((await learnerGroups.runRefresh(group.id, 'schedule', null, hour(3))).skipped).toBe(
			true
		);
		expect(await learnerGroups.runRefresh(group.id, 'schedule', null, hour(7))).toMatchObject({
			added: 1,
			skipped: false
		});
		expect(await memberNames(group.id)).toEqual(['Gus']);
		// Nobody left to cross the line: trusted for at most twelve hours.
		const [{ stable_until: later }] = await ownerDb()<{ stable_until: Date }[]>`
			select stable_until from public.learner_group_criteria where group_id = ${group.id}`;
		expect(Math.abs(later.getTime() - hour(19).getTime())).toBeLessThan(60_000);
	});

	it('never drifts from its criteria over a random run of writes and scheduled refreshes', async () => {
		const { course, staff, learners, activity } = await courseWith(['H1', 'H2', 'H3']);
		const group = await learnerGroups.create(staff, course.id, {
			name: 'Week 1 missing',
			criteria: notDone(activity.id)
		});
		const people = Object.values(learners);
		let seed = 7;
		const random = (n: number) => {
			seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
			return seed % n;
		};
		let skipped = 0;
		for (let step = 0; step < 40; step++) {
			const person = people[random(people.length)];
			switch (random(6)) {
				case 0:
					people.push(await newLearner(course.id, `N${step}`));
					break;
				case 1:
					await progress.markComplete(actor(person), activity.id).catch(() => {});
					break;
				case 2:
					await progress.unmarkComplete(actor(person), activity.id).catch(() => {});
					break;
				case 3:
					await ownerDb()`
						update public.enrolments set status = case status when 'active' then 'suspended' else 'active' end
						where course_id = ${course.id} and user_id = ${person.id}`;
					break;
				case 4:
					await progress.recordEvent(actor(person), { kind: 'course_view', courseId: course.id });
					break;
				default:
					break;
			}
			const result = await learnerGroups.runRefresh(group.id, 'schedule');
			if (result.skipped) skipped += 1;
			const expected = await learnerGroups.preview(staff, course.id, notDone(activity.id));
			expect(await memberNames(group.id)).toHaveLength(expected.count);
		}
		// Views, no-op writes and the "nothing" step skip; the rest are evaluated.
		expect(skipped).toBeGreaterThan(0);
		expect(skipped).toBeLessThan(40);
	});
});

describe('refresh right away on writes no domain code reports', () => {
	it('queues the dynamic groups that read enrolments or memberships, and no others', async () => {
		const scheduled: string[] = [];
		setRefreshScheduler(async (groupId) => {
			scheduled.push(groupId);
		});
		const stop = await listenForFactChanges();
		try {
			const { course, staff, activity } = await courseWith(['Ida']);
			const other = await courseWith(['Jon']);
			const dynamic = await learnerGroups.create(staff, course.id, {
				name: 'Week 1 missing',
				criteria: notDone(activity.id)
			});
			const snapshot = await learnerGroups.create(staff, course.id, {
				name: 'Snapshot',
				criteria: notDone(activity.id),
				refreshMode: 'static'
			});
			const elsewhere = await learnerGroups.create(other.staff, other.course.id, {
				name: 'Other course',
				criteria: notDone(other.activity.id)
			});
			await new Promise((resolve) => setTimeout(resolve, 300));
			scheduled.length = 0;

			await newLearner(course.id, 'Kim');
			await expect.poll(() => scheduled).toContain(dynamic.id);
			expect(scheduled).not.toContain(snapshot.id);
			expect(scheduled).not.toContain(elsewhere.id);

			scheduled.length = 0;
			await ownerDb()`delete from public.enrolments where course_id = ${other.course.id} and role = 'learner'`;
			await expect.poll(() => scheduled).toEqual([elsewhere.id]);

			// A group's own refresh does not queue itself.
			scheduled.length = 0;
			await learnerGroups.runRefresh(dynamic.id, 'manual');
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect(scheduled).toEqual([]);

			// A membership of the group a dynamic "member" criterion names queues it.
			const [mentors] = await ownerDb()<{ id: string }[]>`
				insert into public.groups (scope, organisation_id, name, visibility)
			values ('organisation', ${org.id}, 'Mentors', 'scope')
				returning id`;
			const mentored = await learnerGroups.create(staff, course.id, {
				name: 'Mentored',
				criteria: { all: [{ type: 'member', groupId: mentors.id }] }
			});
			await new Promise((resolve) => setTimeout(resolve, 300));
			scheduled.length = 0;
			const ida = await ownerDb()<{ user_id: string }[]>`
				select user_id from public.enrolments where course_id = ${course.id} and role = 'learner' limit 1`;
			await ownerDb()`insert into public.group_members (group_id, user_id) values (${mentors.id}, ${ida[0].user_id})`;
			await expect.poll(() => scheduled).toEqual([mentored.id]);

			// A membership of a group that restricts an activity changes progress: "progress below" is queued.
			const [lab] = await ownerDb()<{ id: string }[]>`
				insert into public.groups (scope, organisation_id, course_id, name)
				values ('course', ${org.id}, ${course.id}, 'Lab group') returning id`;
			const restricted = await progress.createActivity(staff, course.id, {
				title: 'Lab only',
				restrictedTo: [lab.id]
			});
			expect(restricted.restrictedTo).toHaveLength(1);
			const behind = await learnerGroups.create(staff, course.id, {
				name: 'Behind',
				criteria: { all: [{ type: 'progress', op: 'below', percent: 50 }] }
			});
			await new Promise((resolve) => setTimeout(resolve, 300));
			scheduled.length = 0;
			await ownerDb()`insert into public.group_members (group_id, user_id) values (${lab.id}, ${ida[0].user_id})`;
			await expect.poll(() => scheduled).toContain(behind.id);
			expect(scheduled).not.toContain(dynamic.id);
		} finally {
			await stop();
			setRefreshScheduler(null);
		}
	});
});
