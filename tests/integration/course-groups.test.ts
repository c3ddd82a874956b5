import { beforeAll, describe, expect, it } from 'vitest';
import * as courseGroups from '$lib/server/course-groups';
import * as courses from '$lib/server/courses';
import * as enrolments from '$lib/server/enrolments';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import * as invites from '$lib/server/memberships/invites';
import * as cohorts from '$lib/server/cohorts';
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

// A fixed roster: ten learners whose alphabetical order (last, then first name) is known.
const NAMES = [
	'Ada Lovelace',
	'Alan Turing',
	'Grace Hopper',
	'Edsger Dijkstra',
	'Barbara Liskov',
	'Donald Knuth',
	'Frances Allen',
	'John McCarthy',
	'Margaret Hamilton',
	'Ken Thompson'
];
const ALPHABETICAL = [
	'Frances Allen',
	'Edsger Dijkstra',
	'Margaret Hamilton',
	'Grace Hopper',
	'Donald Knuth',
	'Barbara Liskov',
	'Ada Lovelace',
	'John McCarthy',
	'Ken Thompson',
	'Alan Turing'
];

let org: { id: string };
let instructor: TestUser;
let assistant: TestUser;
let outsider: TestUser;
let learners: TestUser[];

beforeAll(async () => {
	org = await createOrganisation();
	instructor = await createUser({ name: 'Ines Instructor' });
	assistant = await createUser({ name: 'Assistant Aide' });
	outsider = await createUser({ name: 'Otto Outsider' });
	learners = [];
	for (const name of NAMES) learners.push(await createUser({ name }));
});

/** A fresh course with the instructor, the assistant and the ten learners. */
async function freshCourse() {
	const course = await createCourse(org.id);
	await enrol(course.id, instructor.id, 'instructor');
	await enrol(course.id, assistant.id, 'assistant');
	for (const learner of learners) await enrol(course.id, learner.id);
	return course;
}

const staff = () => actor(instructor);
const byName = (name: string) => learners.find((learner) => learner.displayName === name)!;

async function membersOf(groupId: string) {
	const rows = await ownerDb()<{ display_name: string; role: string; source: string }[]>`
		select u.display_name, m.role, m.source from public.group_members m join public.users u on u.id = m.user_id
		where m.group_id = ${groupId} order by u.display_name`;
	return rows;
}

async function groupNamed(courseId: string, name: string) {
	const [row] = await ownerDb()<{ id: string }[]>`
		select id from public.groups where course_id = ${courseId} and name = ${name}`;
	return row.id;
}

describe('groupings', () => {
	it('creates, renames and deletes a grouping; its groups stay', async () => {
		const course = await freshCourse();
		const lab = await groups.create(staff(), { courseId: course.id, name: 'Lab A' });
		const grouping = await courseGroups.createGrouping(staff(), course.id, {
			name: 'Labs',
			idnumber: 'LABS',
			description: 'Weekly labs'
		});
		expect(grouping).toMatchObject({
			name: 'Labs',
			idnumber: 'LABS',
			exclusive: false,
			groups: []
		});
		expect(await courseGroups.addToGrouping(staff(), grouping.id, [lab.id])).toEqual({ added: 1 });
		expect(await courseGroups.addToGrouping(staff(), grouping.id, [lab.id])).toEqual({ added: 0 });
		const renamed = await courseGroups.updateGrouping(staff(), grouping.id, {
			name: 'Lab sessions'
		});
		expect(renamed.name).toBe('Lab sessions');
		expect(renamed.groups).toEqual([{ id: lab.id, name: 'Lab A', memberCount: 0 }]);
		const listed = await courseGroups.listGroupings(actor(learners[0]), course.id);
		expect(listed.map((g) => g.name)).toEqual(['Lab sessions']);
		expect(await courseGroups.deleteGrouping(staff(), grouping.id)).toEqual({
			binned: true,
			groupCount: 1,
			memberCount: 0,
			purgeAt: expect.any(Date)
		});
		// Soft: the set and its group wait in the bin (tests/integration/grouping-bin.test.ts).
		const [still] = await ownerDb()`
			select binned_with from public.groups where id = ${lab.id} and deleted_at is not null`;
		expect(still.binned_with).toBe(grouping.id);
	});

	it('keeps grouping idnumbers unique per course, apart from group idnumbers', async () => {
		const course = await freshCourse();
		const other = await freshCourse();
		await groups.create(staff(), { courseId: course.id, name: 'G', idnumber: 'X1' });
		await courseGroups.createGrouping(staff(), course.id, { name: 'One', idnumber: 'X1' });
		await expect(
			courseGroups.createGrouping(staff(), course.id, { name: 'Two', idnumber: 'X1' })
		).rejects.toMatchObject({ status: 409, code: 'idnumber_taken' });
		await expect(
			courseGroups.createGrouping(staff(), other.id, { name: 'Two', idnumber: 'X1' })
		).resolves.toMatchObject({ idnumber: 'X1' });
	});

	it('holds only groups of its own course', async () => {
		const course = await freshCourse();
		const other = await freshCourse();
		const foreign = await groups.create(staff(), { courseId: other.id, name: 'Elsewhere' });
		const grouping = await courseGroups.createGrouping(staff(), course.id, { name: 'Labs' });
		await expect(
			courseGroups.addToGrouping(staff(), grouping.id, [foreign.id])
		).rejects.toMatchObject({ status: 400, code: 'other_course' });
		const [row] =
			await ownerDb()`select count(*)::int as n from public.grouping_groups where grouping_id = ${grouping.id}`;
		expect(row.n).toBe(0);
	});

	it('refuses learners, the assistant and outsiders as managers (not found)', async () => {
		const course = await freshCourse();
		const grouping = await courseGroups.createGrouping(staff(), course.id, { name: 'Labs' });
		for (const who of [learners[0], assistant, outsider]) {
			await expect(
				courseGroups.createGrouping(actor(who), course.id, { name: 'Mine' })
			).rejects.toMatchObject({ status: 404 });
			await expect(
				courseGroups.updateGrouping(actor(who), grouping.id, { name: 'Mine' })
			).rejects.toMatchObject({ status: 404 });
			await expect(courseGroups.deleteGrouping(actor(who), grouping.id)).rejects.toMatchObject({
				status: 404
			});
		}
	});

	it('rejects bad input with a clear message and changes nothing', async () => {
		const course = await freshCourse();
		await expect(
			courseGroups.createGrouping(staff(), course.id, { name: '  ' })
		).rejects.toMatchObject({
			status: 400,
			message: 'Name the grouping.'
		});
		await expect(
			courseGroups.createGrouping(staff(), course.id, { name: 'x'.repeat(201) })
		).rejects.toMatchObject({ status: 400 });
		await expect(
			courseGroups.createGrouping(staff(), course.id, { name: 'Nul\u0000name' })
		).rejects.toMatchObject({ status: 400 });
		await expect(courseGroups.addToGrouping(staff(), 'not-a-uuid', [])).rejects.toMatchObject({
			status: 400
		});
		await expect(
			courseGroups.updateGrouping(staff(), 'not-a-uuid', { name: 'x' })
		).rejects.toMatchObject({ status: 404 });
		const [row] =
			await ownerDb()`select count(*)::int as n from public.groupings where course_id = ${course.id}`;
		expect(row.n).toBe(0);
	});
});

describe('exclusive groupings', () => {
	async function exclusiveLabs() {
		const course = await freshCourse();
		const a = await groups.create(staff(), { courseId: course.id, name: 'Lab A' });
		const b = await groups.create(staff(), { courseId: course.id, name: 'Lab B' });
		const grouping = await courseGroups.createGrouping(staff(), course.id, {
			name: 'Labs',
			exclusive: true
		});
		await courseGroups.addToGrouping(staff(), grouping.id, [a.id, b.id]);
		return { course, a, b, grouping };
	}

	it('moves a learner whom staff add to another of its groups, and says so', async () => {
		const { a, b } = await exclusiveLabs();
		const ada = byName('Ada Lovelace');
		await memberships.add(staff(), a.id, { userIds: [ada.id] });
		const report = await memberships.add(staff(), b.id, { userIds: [ada.id] });
		expect(report).toMatchObject({
			added: 1,
			moved: [
				{ userId: ada.id, displayName: 'Ada Lovelace', fromGroupId: a.id, fromGroupName: 'Lab A' }
			]
		});
		expect(await membersOf(a.id)).toEqual([]);
		expect((await membersOf(b.id)).map((m) => m.display_name)).toEqual(['Ada Lovelace']);
	});

	it('refuses an add that would put a learner in two of its groups at once, naming the group', async () => {
		const { a, b } = await exclusiveLabs();
		const ada = byName('Ada Lovelace');
		await expect(
			ownerDb()`insert into public.group_members (group_id, user_id) values (${a.id}, ${ada.id}), (${b.id}, ${ada.id})`
		).rejects.toMatchObject({ code: '23514' });
		await memberships.add(staff(), a.id, { userIds: [ada.id] });
		// A leader of Lab B who may not manage Lab A cannot pull Ada out of it.
		const leader = byName('Ken Thompson');
		await ownerDb()`
			insert into public.group_members (group_id, user_id, role) values (${b.id}, ${leader.id}, 'leader')`;
		await expect(memberships.add(actor(leader), b.id, { userIds: [ada.id] })).rejects.toMatchObject(
			{
				status: 409,
				code: 'exclusive_grouping',
				message:
					'Ada Lovelace is already in Lab A, and the grouping "Labs" allows one of its groups per learner.'
			}
		);
		expect((await membersOf(a.id)).map((m) => m.display_name)).toEqual(['Ada Lovelace']);
	});

	it('lets the course staff be in several of its groups', async () => {
		const { a, b } = await exclusiveLabs();
		await memberships.add(staff(), a.id, { userIds: [assistant.id], role: 'leader' });
		await memberships.add(staff(), b.id, { userIds: [assistant.id], role: 'leader' });
		expect((await membersOf(b.id)).map((m) => m.display_name)).toEqual(['Assistant Aide']);
	});

	it('refuses to become exclusive, or to take a group, while someone is in two of its groups', async () => {
		const course = await freshCourse();
		const a = await groups.create(staff(), { courseId: course.id, name: 'Lab A' });
		const b = await groups.create(staff(), { courseId: course.id, name: 'Lab B' });
		const ada = byName('Ada Lovelace');
		await memberships.add(staff(), a.id, { userIds: [ada.id] });
		await memberships.add(staff(), b.id, { userIds: [ada.id] });
		const open = await courseGroups.createGrouping(staff(), course.id, { name: 'Labs' });
		await courseGroups.addToGrouping(staff(), open.id, [a.id, b.id]);
		await expect(
			courseGroups.updateGrouping(staff(), open.id, { exclusive: true })
		).rejects.toMatchObject({
			status: 409,
			message:
				'Ada Lovelace is in Lab A and Lab B of the grouping "Labs"; an exclusive grouping allows one group per learner.'
		});
		const strict = await courseGroups.createGrouping(staff(), course.id, {
			name: 'Strict',
			exclusive: true
		});
		await courseGroups.addToGrouping(staff(), strict.id, [a.id]);
		await expect(courseGroups.addToGrouping(staff(), strict.id, [b.id])).rejects.toMatchObject({
			status: 409,
			code: 'exclusive_grouping'
		});
		const [row] =
			await ownerDb()`select count(*)::int as n from public.grouping_groups where grouping_id = ${strict.id}`;
		expect(row.n).toBe(1);
	});

	it('moves a learner who signs up to another of its groups, and says so', async () => {
		const { a, b, grouping } = await exclusiveLabs();
		await courseGroups.updateSignup(staff(), grouping.id, { open: true });
		const grace = byName('Grace Hopper');
		expect(await courseGroups.signUp(actor(grace), a.id)).toEqual({
			groupName: 'Lab A',
			message: 'You joined Lab A.'
		});
		expect(await courseGroups.signUp(actor(grace), b.id)).toEqual({
			groupName: 'Lab B',
			movedFrom: 'Lab A',
			message: 'You moved from Lab A to Lab B.'
		});
		expect(await membersOf(a.id)).toEqual([]);
		expect((await membersOf(b.id)).map((m) => m.display_name)).toEqual(['Grace Hopper']);
	});
	it('moves a learner who redeems an invitation to another of its groups', async () => {
		const { a, b } = await exclusiveLabs();
		const barbara = byName('Barbara Liskov');
		await memberships.add(staff(), a.id, { userIds: [barbara.id] });
		const invite = await invites.create(staff(), b.id, {});
		expect(
			await invites.redeem({ id: barbara.id, email: barbara.email }, invite.token)
		).toMatchObject({ joined: true });
		expect(await membersOf(a.id)).toEqual([]);
		expect((await membersOf(b.id)).map((m) => m.display_name)).toEqual(['Barbara Liskov']);
	});
});

describe('automatic creation', () => {
	const options = (extra: Record<string, unknown> = {}) => ({
		by: 'groups',
		count: 3,
		naming: 'Group @',
		allocation: 'alphabetical',
		...extra
	});

	it('previews 3 alphabetical groups of 4, 3 and 3 and creates exactly them', async () => {
		const course = await freshCourse();
		const preview = await courseGroups.previewAutoCreate(staff(), course.id, options());
		expect(preview.sourceCount).toBe(10);
		expect(preview.ignoredCount).toBe(0);
		expect(preview.groups.map((g) => [g.name, g.members.map((m) => m.displayName)])).toEqual([
			['Group A', ALPHABETICAL.slice(0, 4)],
			['Group B', ALPHABETICAL.slice(4, 7)],
			['Group C', ALPHABETICAL.slice(7)]
		]);
		const [{ n: before }] =
			await ownerDb()`select count(*)::int as n from public.groups where course_id = ${course.id}`;
		expect(before).toBe(0);
		const created = await courseGroups.autoCreate(staff(), course.id, options());
		expect(created.groupingId).toBeNull();
		expect(created.groups.map((g) => [g.name, g.memberCount])).toEqual([
			['Group A', 4],
			['Group B', 3],
			['Group C', 3]
		]);
		expect((await membersOf(created.groups[1].id)).map((m) => m.display_name)).toEqual(
			ALPHABETICAL.slice(4, 7).sort()
		);
		expect((await membersOf(created.groups[0].id))[0]).toMatchObject({
			role: 'member',
			source: 'auto'
		});
	});

	it('creates by members per group with a seed: the groups are the preview, and repeatable', async () => {
		const course = await freshCourse();
		const opts = options({
			by: 'members',
			count: 4,
			allocation: 'random',
			seed: 12345,
			naming: 'Lab #'
		});
		const preview = await courseGroups.previewAutoCreate(staff(), course.id, opts);
		const again = await courseGroups.previewAutoCreate(staff(), course.id, opts);
		expect(again).toEqual(preview);
		expect(preview.seed).toBe(12345);
		expect(preview.groups.map((g) => [g.name, g.members.length])).toEqual([
			['Lab 1', 4],
			['Lab 2', 4],
			['Lab 3', 2]
		]);
		const created = await courseGroups.autoCreate(staff(), course.id, opts);
		for (const [index, group] of created.groups.entries()) {
			expect((await membersOf(group.id)).map((m) => m.display_name)).toEqual(
				preview.groups[index].members.map((m) => m.displayName).sort()
			);
		}
	});

	it('gives a seed when none is asked for, which reproduces the allocation', async () => {
		const course = await freshCourse();
		const first = await courseGroups.previewAutoCreate(
			staff(),
			course.id,
			options({ allocation: 'random' })
		);
		expect(first.seed).toBeGreaterThan(0);
		const replay = await courseGroups.previewAutoCreate(
			staff(),
			course.id,
			options({ allocation: 'random', seed: first.seed })
		);
		expect(replay.groups).toEqual(first.groups);
	});

	it('prevents a last small group by spreading its members', async () => {
		const course = await freshCourse();
		const preview = await courseGroups.previewAutoCreate(
			staff(),
			course.id,
			options({ by: 'members', count: 4, preventLastSmall: true })
		);
		expect(preview.groups.map((g) => g.members.length)).toEqual([5, 5]);
	});

	it('makes empty groups with no allocation, skipping names the course already uses', async () => {
		const course = await freshCourse();
		await groups.create(staff(), { courseId: course.id, name: 'Team B' });
		const created = await courseGroups.autoCreate(
			staff(),
			course.id,
			options({ allocation: 'none', naming: 'Team @', messaging: false })
		);
		expect(created.groups.map((g) => [g.name, g.memberCount])).toEqual([
			['Team A', 0],
			['Team C', 0],
			['Team D', 0]
		]);
		const rows = await ownerDb()`
			select messaging_enabled from public.groups where id = any(${created.groups.map((g) => g.id)}::uuid[])`;
		expect(rows.every((row) => row.messaging_enabled === false)).toBe(true);
	});

	it('ignores learners already in a group of the course, or of a chosen grouping', async () => {
		const course = await freshCourse();
		const existing = await groups.create(staff(), { courseId: course.id, name: 'Early birds' });
		await memberships.add(staff(), existing.id, {
			userIds: [byName('Ada Lovelace').id, byName('Alan Turing').id]
		});
		const inCourse = await courseGroups.previewAutoCreate(
			staff(),
			course.id,
			options({ count: 2, ignore: 'course' })
		);
		expect(inCourse.sourceCount).toBe(10);
		expect(inCourse.ignoredCount).toBe(2);
		expect(inCourse.groups.flatMap((g) => g.members.map((m) => m.displayName))).not.toContain(
			'Ada Lovelace'
		);
		const grouping = await courseGroups.createGrouping(staff(), course.id, { name: 'Early' });
		const empty = await courseGroups.createGrouping(staff(), course.id, { name: 'Empty' });
		await courseGroups.addToGrouping(staff(), grouping.id, [existing.id]);
		const byGrouping = await courseGroups.previewAutoCreate(
			staff(),
			course.id,
			options({ count: 2, ignore: { groupingId: grouping.id } })
		);
		expect(byGrouping.ignoredCount).toBe(2);
		const none = await courseGroups.previewAutoCreate(
			staff(),
			course.id,
			options({ count: 2, ignore: { groupingId: empty.id } })
		);
		expect(none.ignoredCount).toBe(0);
	});

	it('draws members from a role, a group, a grouping or a linked cohort, active only unless asked', async () => {
		const course = await freshCourse();
		const suspended = await createUser({ name: 'Sam Suspended' });
		await enrol(course.id, suspended.id, 'learner', 'suspended');
		const active = await courseGroups.previewAutoCreate(staff(), course.id, options({ count: 1 }));
		expect(active.sourceCount).toBe(10);
		const all = await courseGroups.previewAutoCreate(
			staff(),
			course.id,
			options({ count: 1, includeInactive: true })
		);
		expect(all.sourceCount).toBe(11);
		const staffOnly = await courseGroups.previewAutoCreate(
			staff(),
			course.id,
			options({ count: 1, source: { role: 'assistant' } })
		);
		expect(staffOnly.groups[0].members.map((m) => m.displayName)).toEqual(['Assistant Aide']);

		const pool = await groups.create(staff(), { courseId: course.id, name: 'Pool' });
		await memberships.add(staff(), pool.id, {
			userIds: [byName('Grace Hopper').id, byName('Ken Thompson').id, assistant.id]
		});
		const fromGroup = await courseGroups.previewAutoCreate(
			staff(),
			course.id,
			options({ count: 1, source: { groupId: pool.id } })
		);
		expect(fromGroup.groups[0].members.map((m) => m.displayName)).toEqual([
			'Grace Hopper',
			'Ken Thompson'
		]);
		const grouping = await courseGroups.createGrouping(staff(), course.id, { name: 'Pools' });
		await courseGroups.addToGrouping(staff(), grouping.id, [pool.id]);
		const fromGrouping = await courseGroups.previewAutoCreate(
			staff(),
			course.id,
			options({ count: 1, source: { groupingId: grouping.id } })
		);
		expect(fromGrouping.sourceCount).toBe(2);

		const orgAdmin = await createUser({ name: 'Cohort Keeper' });
		await addOrganisationMember(org.id, orgAdmin.id, 'admin');
		const cohort = await groups.create(actor(orgAdmin), {
			organisationId: org.id,
			name: 'Evening cohort',
			kind: 'cohort'
		});
		const evening = [
			await createUser({ name: 'Eve Night' }),
			await createUser({ name: 'Nora Dusk' })
		];
		// A cohort takes the organisation's people.
		for (const person of evening) await addOrganisationMember(org.id, person.id);
		await memberships.add(actor(orgAdmin), cohort.id, { userIds: evening.map((p) => p.id) });
		await expect(
			courseGroups.previewAutoCreate(
				staff(),
				course.id,
				options({ count: 1, source: { cohortId: cohort.id } })
			)
		).rejects.toMatchObject({ status: 400, code: 'invalid_source' });
		await cohorts.link(actor(orgAdmin), course.id, { groupId: cohort.id, courseRole: 'learner' });
		const fromCohort = await courseGroups.previewAutoCreate(
			staff(),
			course.id,
			options({ count: 1, source: { cohortId: cohort.id } })
		);
		expect(fromCohort.groups[0].members.map((m) => m.displayName)).toEqual([
			'Nora Dusk',
			'Eve Night'
		]);
	});

	it('places the groups in a new or an existing grouping', async () => {
		const course = await freshCourse();
		const created = await courseGroups.autoCreate(
			staff(),
			course.id,
			options({ count: 2, grouping: { name: 'Project teams' } })
		);
		const [grouping] = await courseGroups.listGroupings(staff(), course.id);
		expect(grouping).toMatchObject({ id: created.groupingId, name: 'Project teams' });
		expect(grouping.groups.map((g) => [g.name, g.memberCount])).toEqual([
			['Group A', 5],
			['Group B', 5]
		]);
		const more = await courseGroups.autoCreate(
			staff(),
			course.id,
			options({ count: 1, allocation: 'none', grouping: { id: grouping.id } })
		);
		expect(more.groups.map((g) => g.name)).toEqual(['Group C']);
		const [after] = await courseGroups.listGroupings(staff(), course.id);
		expect(after.groups.map((g) => g.name)).toEqual(['Group A', 'Group B', 'Group C']);
	});

	it('refuses to fill an exclusive grouping with people already in it, creating nothing', async () => {
		const course = await freshCourse();
		const first = await courseGroups.autoCreate(
			staff(),
			course.id,
			options({ count: 2, grouping: { name: 'Sections' } })
		);
		await courseGroups.updateGrouping(staff(), first.groupingId!, { exclusive: true });
		await expect(
			courseGroups.autoCreate(
				staff(),
				course.id,
				options({ count: 2, grouping: { id: first.groupingId } })
			)
		).rejects.toMatchObject({ status: 409, code: 'exclusive_grouping' });
		const [{ n }] =
			await ownerDb()`select count(*)::int as n from public.groups where course_id = ${course.id}`;
		expect(n).toBe(2);
	});

	it('rejects bad options with clear messages', async () => {
		const course = await freshCourse();
		const bad: [Record<string, unknown>, string][] = [
			[options({ naming: 'Group' }), 'The naming scheme needs an @ (A, B, C…) or a # (1, 2, 3…).'],
			[options({ count: 0 }), 'The number must be at least 1.'],
			[options({ count: 'lots' }), 'The number must be a number.'],
			[options({ count: 5001 }), 'The number is at most 5,000.'],
			[options({ by: 'teams' }), 'Create groups by number of groups or by members per group.'],
			[options({ seed: -1 }), 'The seed must be at least 1.'],
			[
				options({ naming: 'x'.repeat(151) + '#' }),
				'Use at most 150 characters for the naming scheme.'
			]
		];
		for (const [input, message] of bad) {
			await expect(courseGroups.previewAutoCreate(staff(), course.id, input)).rejects.toMatchObject(
				{
					status: 400,
					message
				}
			);
		}
		const other = await freshCourse();
		const foreign = await groups.create(staff(), { courseId: other.id, name: 'Foreign' });
		await expect(
			courseGroups.autoCreate(staff(), course.id, options({ source: { groupId: foreign.id } }))
		).rejects.toMatchObject({ status: 400, message: 'Choose a group of this course.' });
		const empty = await groups.create(staff(), { courseId: course.id, name: 'Nobody here' });
		await expect(
			courseGroups.autoCreate(staff(), course.id, options({ source: { groupId: empty.id } }))
		).rejects.toMatchObject({ status: 422, code: 'nobody_to_allocate' });
		await expect(
			courseGroups.autoCreate(actor(learners[0]), course.id, options())
		).rejects.toMatchObject({ status: 404 });
		const [{ n }] =
			await ownerDb()`select count(*)::int as n from public.groups where course_id = ${course.id}`;
		expect(n).toBe(1);
	});

	it('keeps unicode in names and grouping names as typed', async () => {
		const course = await freshCourse();
		const created = await courseGroups.autoCreate(staff(), course.id, {
			by: 'groups',
			count: 2,
			naming: 'Équipe 🧪 #',
			allocation: 'none',
			grouping: { name: 'Travaux pratiques — 第1期' }
		});
		expect(created.groups.map((g) => g.name)).toEqual(['Équipe 🧪 1', 'Équipe 🧪 2']);
		const [grouping] = await courseGroups.listGroupings(staff(), course.id);
		expect(grouping.name).toBe('Travaux pratiques — 第1期');
	});

	it('records the new groups and memberships in the audit log', async () => {
		const course = await freshCourse();
		await courseGroups.autoCreate(
			staff(),
			course.id,
			options({ count: 2, grouping: { name: 'Audited' } }),
			'api'
		);
		const rows = await ownerDb()<{ action: string; n: number }[]>`
			select action, count(*)::int as n from public.audit_events
			where course_id = ${course.id} and actor_id = ${instructor.id} and via = 'api'
			group by action order by action`;
		expect(rows).toEqual([
			// Messaging is on: each new group gets its general and announcements channels.
			{ action: 'channels.insert', n: 4 },
			{ action: 'group_members.insert', n: 10 },
			{ action: 'grouping_groups.insert', n: 2 },
			{ action: 'groupings.insert', n: 1 },
			{ action: 'groups.insert', n: 2 }
		]);
	});
});

describe('self sign-up', () => {
	async function signupCourse(settings: Record<string, unknown> = {}) {
		const course = await freshCourse();
		const created = await courseGroups.autoCreate(staff(), course.id, {
			by: 'groups',
			count: 3,
			naming: 'Team #',
			allocation: 'none',
			grouping: { name: 'Project teams' }
		});
		const groupingId = created.groupingId!;
		await courseGroups.updateSignup(staff(), groupingId, { open: true, sizeLimit: 2, ...settings });
		return { course, groupingId, teams: created.groups };
	}

	it('shows learners the groups with places left, and their own group', async () => {
		const { course, teams } = await signupCourse();
		const ada = actor(byName('Ada Lovelace'));
		expect(await courseGroups.signUp(ada, teams[0].id)).toMatchObject({
			message: 'You joined Team 1.'
		});
		const [view] = await courseGroups.signupView(ada, course.id);
		expect(view).toMatchObject({ name: 'Project teams', openNow: true, myGroupIds: [teams[0].id] });
		expect(view.groups.map((g) => [g.name, g.memberCount, g.placesLeft, g.isMine])).toEqual([
			['Team 1', 1, 1, true],
			['Team 2', 0, 2, false],
			['Team 3', 0, 2, false]
		]);
	});

	it('refuses a full group with "The group is full."', async () => {
		const { teams } = await signupCourse();
		await courseGroups.signUp(actor(learners[0]), teams[0].id);
		await courseGroups.signUp(actor(learners[1]), teams[0].id);
		await expect(courseGroups.signUp(actor(learners[2]), teams[0].id)).rejects.toMatchObject({
			status: 409,
			message: 'The group is full.'
		});
		await expect(courseGroups.signUp(actor(learners[0]), teams[0].id)).rejects.toMatchObject({
			status: 409,
			message: 'You are already in Team 1.'
		});
	});

	it('holds 10 places against 50 concurrent joins', async () => {
		const course = await freshCourse();
		const crowd: TestUser[] = [];
		for (let i = 0; i < 50; i++) {
			const person = await createUser({ name: `Crowd ${i}` });
			await enrol(course.id, person.id);
			crowd.push(person);
		}
		const team = await groups.create(staff(), { courseId: course.id, name: 'Popular' });
		const grouping = await courseGroups.createGrouping(staff(), course.id, { name: 'Rush' });
		await courseGroups.addToGrouping(staff(), grouping.id, [team.id]);
		await courseGroups.updateSignup(staff(), grouping.id, { open: true, sizeLimit: 10 });
		const results = await Promise.allSettled(
			crowd.map((person) => courseGroups.signUp(actor(person), team.id))
		);
		const joined = results.filter((r) => r.status === 'fulfilled');
		const refused = results.filter((r) => r.status === 'rejected');
		expect(joined).toHaveLength(10);
		expect(refused).toHaveLength(40);
		for (const r of refused) {
			expect((r as PromiseRejectedResult).reason).toMatchObject({ message: 'The group is full.' });
		}
		expect(await membersOf(team.id)).toHaveLength(10);
	});

	it('refuses outside the dates with a clear message, and lets learners leave while open', async () => {
		const { teams, groupingId } = await signupCourse({ opensAt: '2099-01-01T09:00:00Z' });
		await expect(courseGroups.signUp(actor(learners[0]), teams[0].id)).rejects.toMatchObject({
			status: 409,
			message: 'Sign-up opens on 2099-01-01 09:00 UTC.'
		});
		await courseGroups.updateSignup(staff(), groupingId, { open: true, sizeLimit: 2 });
		await courseGroups.signUp(actor(learners[0]), teams[0].id);
		expect(await courseGroups.leaveSignup(actor(learners[0]), teams[0].id)).toEqual({
			message: 'You left Team 1.'
		});
		await expect(courseGroups.leaveSignup(actor(learners[0]), teams[0].id)).rejects.toMatchObject({
			message: 'You are not in Team 1.'
		});
		await courseGroups.signUp(actor(learners[0]), teams[0].id);
		await courseGroups.updateSignup(staff(), groupingId, {
			open: true,
			closesAt: '2020-01-01T00:00:00Z'
		});
		await expect(courseGroups.leaveSignup(actor(learners[0]), teams[0].id)).rejects.toMatchObject({
			message: 'Sign-up closed on 2020-01-01 00:00 UTC. Ask your teacher to change your group.'
		});
		await expect(courseGroups.signUp(actor(learners[1]), teams[1].id)).rejects.toMatchObject({
			message: 'Sign-up closed on 2020-01-01 00:00 UTC.'
		});
	});

	it('refuses closed groupings, staff and outsiders (not found) and bad settings', async () => {
		const { teams, groupingId, course } = await signupCourse();
		await expect(courseGroups.signUp(actor(outsider), teams[0].id)).rejects.toMatchObject({
			status: 404
		});
		await expect(courseGroups.signUp(actor(assistant), teams[0].id)).rejects.toMatchObject({
			status: 404
		});
		await expect(courseGroups.signUp(actor(learners[0]), 'nope')).rejects.toMatchObject({
			status: 404
		});
		await courseGroups.updateSignup(staff(), groupingId, { open: false });
		await expect(courseGroups.signUp(actor(learners[0]), teams[0].id)).rejects.toMatchObject({
			status: 404
		});
		expect(await courseGroups.signupView(actor(learners[0]), course.id)).toEqual([]);
		await expect(
			courseGroups.updateSignup(staff(), groupingId, {
				open: true,
				opensAt: '2030-01-02T00:00:00Z',
				closesAt: '2030-01-01T00:00:00Z'
			})
		).rejects.toMatchObject({ status: 400, message: 'Sign-up must close after it opens.' });
		await expect(
			courseGroups.updateSignup(staff(), groupingId, { open: true, sizeLimit: 0 })
		).rejects.toMatchObject({ status: 400, message: 'The size limit must be at least 1.' });
		await expect(
			courseGroups.updateSignup(staff(), groupingId, { open: true, opensAt: 'soon' })
		).rejects.toMatchObject({ status: 400 });
		await expect(
			courseGroups.updateSignup(actor(learners[0]), groupingId, { open: true })
		).rejects.toMatchObject({ status: 404 });
	});

	it('makes the first member leader, and the next one when the leader leaves', async () => {
		const { teams } = await signupCourse({ sizeLimit: 5, autoLeader: 'first' });
		await courseGroups.signUp(actor(byName('Ken Thompson')), teams[0].id);
		await courseGroups.signUp(actor(byName('Ada Lovelace')), teams[0].id);
		await courseGroups.signUp(actor(byName('Alan Turing')), teams[0].id);
		expect(await membersOf(teams[0].id)).toMatchObject([
			{ display_name: 'Ada Lovelace', role: 'member' },
			{ display_name: 'Alan Turing', role: 'member' },
			{ display_name: 'Ken Thompson', role: 'leader' }
		]);
		await courseGroups.leaveSignup(actor(byName('Ken Thompson')), teams[0].id);
		expect(await membersOf(teams[0].id)).toMatchObject([
			{ display_name: 'Ada Lovelace', role: 'leader' },
			{ display_name: 'Alan Turing', role: 'member' }
		]);
	});

	it('keeps exactly one random leader under concurrent joins and leaves', async () => {
		const { teams } = await signupCourse({ sizeLimit: 10, autoLeader: 'random' });
		await Promise.all(learners.map((l) => courseGroups.signUp(actor(l), teams[1].id)));
		let rows = await membersOf(teams[1].id);
		expect(rows.filter((r) => r.role === 'leader')).toHaveLength(1);
		const leader = rows.find((r) => r.role === 'leader')!.display_name;
		await courseGroups.leaveSignup(actor(byName(leader)), teams[1].id);
		rows = await membersOf(teams[1].id);
		expect(rows).toHaveLength(9);
		expect(rows.filter((r) => r.role === 'leader')).toHaveLength(1);
	});

	it('assigns the unassigned learners to the smallest groups within limits, and lists who is left', async () => {
		const { groupingId, teams } = await signupCourse({ sizeLimit: 3 });
		await courseGroups.signUp(actor(byName('Ada Lovelace')), teams[0].id);
		await courseGroups.signUp(actor(byName('Alan Turing')), teams[0].id);
		const result = (await courseGroups.assignUnassigned(
			staff(),
			groupingId
		)) as courseGroups.AssignReport;
		expect(result.assigned).toBe(7);
		// Eight were unassigned and seven places were left (3 × 3 − 2): the last by name waits.
		expect(result.leftOver.map((p) => p.displayName)).toEqual(['Margaret Hamilton']);
		expect((await membersOf(teams[0].id)).length).toBe(3);
		expect((await membersOf(teams[1].id)).length).toBe(3);
		expect((await membersOf(teams[2].id)).length).toBe(3);
		expect(await courseGroups.assignUnassigned(staff(), groupingId)).toMatchObject({ assigned: 0 });
		await expect(
			courseGroups.assignUnassigned(actor(learners[0]), groupingId)
		).rejects.toMatchObject({
			status: 404
		});
	});
});

describe('overview', () => {
	it('lists each grouping with its groups and members, then groups in no grouping and people in no group', async () => {
		const course = await freshCourse();
		const created = await courseGroups
			.autoCreate(staff(), course.id, {
				by: 'groups',
				count: 2,
				naming: 'Lab @',
				allocation: 'alphabetical',
				grouping: { name: 'Labs' },
				source: {
					groupId: (await groups.create(staff(), { courseId: course.id, name: 'Seed pool' })).id
				}
			})
			.catch((error) => error);
		expect(created).toMatchObject({ code: 'nobody_to_allocate' });
		const labs = await courseGroups.autoCreate(staff(), course.id, {
			by: 'members',
			count: 4,
			naming: 'Lab @',
			allocation: 'alphabetical',
			grouping: { name: 'Labs' }
		});
		const loose = await groups.create(staff(), { courseId: course.id, name: 'Loose' });
		await memberships.remove(staff(), labs.groups[2].id, {
			userIds: [byName('Alan Turing').id]
		});
		const data = await courseGroups.overview(staff(), course.id);
		expect(
			data.groupings.map((g) => [g.name, g.groups.map((x) => [x.name, x.members.length])])
		).toEqual([
			[
				'Labs',
				[
					['Lab A', 4],
					['Lab B', 4],
					['Lab C', 1]
				]
			]
		]);
		expect(data.notInGrouping.map((g) => g.name)).toEqual(['Loose', 'Seed pool']);
		expect(data.notInGroup.map((p) => p.displayName)).toEqual([
			'Alan Turing',
			'Assistant Aide',
			'Ines Instructor'
		]);
		const filtered = await courseGroups.overview(staff(), course.id, {
			groupId: labs.groups[2].id
		});
		expect(filtered.groupings[0].groups.map((g) => g.name)).toEqual(['Lab C']);
		expect(filtered.notInGrouping).toEqual([]);
		expect(filtered.notInGroup).toEqual([]);
		const byGrouping = await courseGroups.overview(staff(), course.id, {
			groupingId: labs.groupingId
		});
		expect(byGrouping.notInGrouping).toEqual([]);
		expect(loose.name).toBe('Loose');

		const csv = await courseGroups.overviewCsv(staff(), course.id, { groupId: labs.groups[2].id });
		expect(csv.split('\r\n')).toEqual([
			'grouping,group,group idnumber,name,email,group role',
			`Labs,Lab C,,Ken Thompson,${byName('Ken Thompson').email},member`,
			''
		]);
		await expect(courseGroups.overview(staff(), course.id, { groupId: 'x' })).rejects.toMatchObject(
			{
				status: 400
			}
		);
		await expect(courseGroups.overview(actor(outsider), course.id)).rejects.toMatchObject({
			status: 404
		});
	});

	it('is for course staff: a learner is refused, in either group mode', async () => {
		const course = await freshCourse();
		await courseGroups.autoCreate(staff(), course.id, {
			by: 'groups',
			count: 2,
			naming: 'Lab @',
			allocation: 'alphabetical'
		});
		await groups.create(staff(), { courseId: course.id, name: 'Staff room', visibility: 'hidden' });
		const frances = actor(byName('Frances Allen'));
		// Under a learner's RLS the groups they cannot see into would look empty and their people
		// would be listed as in no group: refused rather than wrong.
		await expect(courseGroups.overview(frances, course.id)).rejects.toMatchObject({ status: 404 });
		await courses.setGroupMode(staff(), course.id, 'visible');
		await expect(courseGroups.overview(frances, course.id)).rejects.toMatchObject({ status: 404 });
		const data = await courseGroups.overview(staff(), course.id);
		expect(data.notInGrouping.map((g) => [g.name, g.members.length])).toEqual([
			['Lab A', 5],
			['Lab B', 5],
			['Staff room', 0]
		]);
	});
});

describe('participants filter', () => {
	it('filters by groups with any, all or none, and by no group', async () => {
		const course = await freshCourse();
		const a = await groups.create(staff(), { courseId: course.id, name: 'A' });
		const b = await groups.create(staff(), { courseId: course.id, name: 'B' });
		await memberships.add(staff(), a.id, {
			userIds: [byName('Ada Lovelace').id, byName('Alan Turing').id]
		});
		await memberships.add(staff(), b.id, {
			userIds: [byName('Alan Turing').id, byName('Grace Hopper').id]
		});
		const names = async (query: Record<string, unknown>) =>
			(
				await enrolments.listParticipants(staff(), course.id, { ...query, role: 'learner' })
			).participants.map((p) => p.displayName);
		expect(await names({ groupIds: [a.id, b.id], match: 'any' })).toEqual([
			'Ada Lovelace',
			'Alan Turing',
			'Grace Hopper'
		]);
		expect(await names({ groupIds: `${a.id},${b.id}`, match: 'all' })).toEqual(['Alan Turing']);
		expect(await names({ groupIds: [a.id], match: 'none' })).toHaveLength(8);
		expect(await names({ noGroup: true })).toHaveLength(7);
		expect(await names({ groupIds: [a.id], noGroup: 'on', match: 'any' })).toHaveLength(9);
		expect(await names({ groupIds: [a.id], noGroup: true, match: 'none' })).toEqual([
			'Grace Hopper'
		]);
		await expect(names({ groupIds: ['x'] })).rejects.toMatchObject({ status: 400 });
		await expect(names({ match: 'some' })).rejects.toMatchObject({ status: 400 });
	});
});

describe('group mode', () => {
	it('in separate mode a learner sees only the staff and the people who share a group with them', async () => {
		const course = await freshCourse();
		const a = await groups.create(staff(), { courseId: course.id, name: 'A' });
		await memberships.add(staff(), a.id, {
			userIds: [byName('Ada Lovelace').id, byName('Alan Turing').id]
		});
		const ada = actor(byName('Ada Lovelace'));
		const loner = actor(byName('Ken Thompson'));
		// Earlier tests may have made Ada or Ken an automatic (random) leader of a team in another
		// course, and leaders see the people they lead in every course (progress follows them):
		// make them plain learners so this test reads the group mode alone.
		await ownerDb()`
			update public.group_members set role = 'member' where user_id in (${ada.id}, ${loner.id})`;
		expect((await enrolments.listParticipants(ada, course.id, { match: 'any' })).total).toBe(12);
		expect(await courses.setGroupMode(staff(), course.id, 'separate')).toEqual({
			groupMode: 'separate',
			forceGroupMode: false
		});
		const seen = (
			await enrolments.listParticipants(ada, course.id, { match: 'any' })
		).participants.map((p) => p.displayName);
		expect(seen).toEqual(['Ada Lovelace', 'Alan Turing', 'Assistant Aide', 'Ines Instructor']);
		expect(
			(await enrolments.listParticipants(loner, course.id, { match: 'any' })).participants.map(
				(p) => p.displayName
			)
		).toEqual(['Assistant Aide', 'Ines Instructor', 'Ken Thompson']);
		expect((await enrolments.listParticipants(actor(assistant), course.id)).total).toBe(12);
		expect((await courses.get(ada, course.id)).groupMode).toBe('separate');
	});

	it('is set by course managers only, validated, and audited', async () => {
		const course = await freshCourse();
		await expect(
			courses.setGroupMode(actor(learners[0]), course.id, 'visible')
		).rejects.toMatchObject({
			status: 404
		});
		await expect(
			courses.setGroupMode(actor(assistant), course.id, 'visible')
		).rejects.toMatchObject({
			status: 404
		});
		await expect(courses.setGroupMode(staff(), course.id, 'open')).rejects.toMatchObject({
			status: 400,
			message: 'The group mode must be none, separate or visible.'
		});
		await courses.setGroupMode(staff(), course.id, 'visible');
		const [event] = await ownerDb()`
			select actor_id, data from public.audit_events where course_id = ${course.id} and action = 'courses.group_mode'`;
		expect(event).toMatchObject({
			actor_id: instructor.id,
			data: {
				old: { group_mode: 'none', force_group_mode: false },
				new: { group_mode: 'visible', force_group_mode: false }
			}
		});
	});
});

describe('import', () => {
	it('previews and creates groups row by row, keeping a taken idnumber out and saying so', async () => {
		const course = await freshCourse();
		await groups.create(staff(), { courseId: course.id, name: 'Existing', idnumber: 'TAKEN' });
		const ada = byName('Ada Lovelace').email;
		const alan = byName('Alan Turing').email;
		const csv = [
			'groupname,description,idnumber,groupingname,members',
			`Red,First team,R1,Colours,${ada};${alan}`,
			`Blue,,TAKEN,Colours,${outsider.email} nobody`,
			',no name,,,',
			'Existing,,,,',
			'red,,,,',
			'Green,,R1,,'
		].join('\n');
		const preview = await courseGroups.previewImport(staff(), course.id, csv);
		expect(preview.ignoredColumns).toEqual([]);
		expect(preview.rows.map((r) => [r.line, r.status])).toEqual([
			[2, 'created'],
			[3, 'created_without_idnumber'],
			[4, 'error'],
			[5, 'error'],
			[6, 'error'],
			[7, 'created_without_idnumber']
		]);
		const [{ n: before }] =
			await ownerDb()`select count(*)::int as n from public.groups where course_id = ${course.id}`;
		expect(before).toBe(1);
		const { rows: report } = await courseGroups.applyImport(staff(), course.id, csv);
		expect(report[0]).toMatchObject({
			status: 'created',
			message: 'Group "Red" with 2 members. Created the grouping "Colours".'
		});
		expect(report[1]).toMatchObject({
			status: 'created_without_idnumber',
			message: `Group "Blue", without the idnumber "TAKEN": another group of this course uses it. Skipped: ${outsider.email} is not a participant of this course; "nobody" is not an email address.`
		});
		expect(report[2].message).toBe('The group name is missing.');
		expect(report[3].message).toBe('A group named "Existing" already exists in this course.');
		expect(report[4].message).toBe('A group named "red" already exists in this course.');
		const red = await groupNamed(course.id, 'Red');
		expect(report[0].groupId).toBe(red);
		expect((await membersOf(red)).map((m) => m.display_name)).toEqual([
			'Ada Lovelace',
			'Alan Turing'
		]);
		const [blue] =
			await ownerDb()`select idnumber from public.groups where id = ${report[1].groupId!}`;
		expect(blue.idnumber).toBeNull();
		const [colours] = await courseGroups.listGroupings(staff(), course.id);
		expect(colours.groups.map((g) => g.name)).toEqual(['Blue', 'Red']);
	});

	it('reports a row that breaks an exclusive grouping and keeps the others', async () => {
		const course = await freshCourse();
		const grouping = await courseGroups.createGrouping(staff(), course.id, {
			name: 'Sections',
			exclusive: true
		});
		const ada = byName('Ada Lovelace').email;
		const { rows: report } = await courseGroups.applyImport(
			staff(),
			course.id,
			`groupname,groupingname,members\nS1,Sections,${ada}\nS2,Sections,${ada}\nS3,Sections,`
		);
		expect(report.map((r) => r.status)).toEqual(['created', 'error', 'created']);
		expect(report[1].message).toContain('Ada Lovelace is');
		const [after] = await courseGroups.listGroupings(staff(), course.id);
		expect(after.id).toBe(grouping.id);
		expect(after.groups.map((g) => g.name)).toEqual(['S1', 'S3']);
	});

	it('refuses files without a groupname column, empty files and non-managers', async () => {
		const course = await freshCourse();
		await expect(courseGroups.previewImport(staff(), course.id, '')).rejects.toMatchObject({
			status: 400
		});
		await expect(
			courseGroups.previewImport(staff(), course.id, 'name,idnumber\nA,1')
		).rejects.toMatchObject({
			status: 400,
			code: 'missing_column'
		});
		await expect(courseGroups.previewImport(staff(), course.id, 'groupname')).rejects.toMatchObject(
			{
				status: 400
			}
		);
		const big = 'groupname\n' + Array.from({ length: 1001 }, (_, i) => `G${i}`).join('\n');
		await expect(courseGroups.applyImport(staff(), course.id, big)).rejects.toMatchObject({
			status: 413
		});
		await expect(
			courseGroups.applyImport(actor(learners[0]), course.id, 'groupname\nMine')
		).rejects.toMatchObject({ status: 404 });
		const [{ n }] =
			await ownerDb()`select count(*)::int as n from public.groups where course_id = ${course.id}`;
		expect(n).toBe(0);
	});
});
