import { beforeAll, describe, expect, it } from 'vitest';
import * as courseGroups from '$lib/server/course-groups';
import * as chat from '$lib/server/chat';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import { withUser, type Actor } from '$lib/server/db';
import { roomsOf } from '$lib/server/realtime/rooms';
import * as binRoute from '../../src/routes/api/v1/courses/[id]/bin/+server';
import * as purgeRoute from '../../src/routes/api/v1/courses/[id]/bin/[groupingId]/+server';
import * as restoreRoute from '../../src/routes/api/v1/courses/[id]/bin/[groupingId]/restore/+server';
import * as groupingRoute from '../../src/routes/api/v1/groupings/[id]/+server';
import * as previewRoute from '../../src/routes/api/v1/groupings/[id]/delete-preview/+server';
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
import { callEndpoint } from './route-call';

// Deleting a set is soft (issue 13): the grouping and its groups go to the course's bin for 30
// days, gone from every list, channel, room and query meanwhile; a restore brings them back with
// their members; "Delete now" and the daily job delete them for good.

let org: { id: string };
let instructor: TestUser;
let assistant: TestUser;
let orgAdmin: TestUser;
let platformAdmin: TestUser;
let outsider: TestUser;
let ada: TestUser;
let ben: TestUser;
let cleo: TestUser;
let lena: TestUser;

beforeAll(async () => {
	org = await createOrganisation();
	instructor = await createUser({ name: 'Ines Instructor' });
	assistant = await createUser({ name: 'Assistant Aide' });
	orgAdmin = await createUser({ name: 'Olivia Admin' });
	platformAdmin = await createUser({ name: 'Pat Platform', admin: true });
	outsider = await createUser({ name: 'Otto Outsider' });
	ada = await createUser({ name: 'Ada Learner' });
	ben = await createUser({ name: 'Ben Learner' });
	cleo = await createUser({ name: 'Cleo Learner' });
	lena = await createUser({ name: 'Lena Leader' });
	await addOrganisationMember(org.id, orgAdmin.id, 'admin');
});

type Course = {
	id: string;
	labs: string;
	tutorials: string;
	labA: string;
	labB: string;
	labC: string;
};

async function courseGroup(courseId: string, name: string, visibility = 'scope') {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name, visibility)
		values ('course', ${org.id}, ${courseId}, ${name}, ${visibility}) returning id`;
	return row.id;
}

async function grouping(courseId: string, name: string, groupIds: string[]) {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groupings (course_id, name) values (${courseId}, ${name}) returning id`;
	for (const groupId of groupIds) {
		await ownerDb()`insert into public.grouping_groups (grouping_id, group_id) values (${row.id}, ${groupId})`;
	}
	return row.id;
}

/**
 * A course with "Labs" (Lab A: Ada, led by Lena; Lab B: Ben; Lab C: Cleo) and "Tutorials",
 * which holds Lab C too.
 */
async function freshCourse(): Promise<Course> {
	const course = await createCourse(org.id);
	await enrol(course.id, instructor.id, 'instructor');
	await enrol(course.id, assistant.id, 'assistant');
	for (const learner of [ada, ben, cleo, lena]) await enrol(course.id, learner.id);
	const labA = await courseGroup(course.id, 'Lab A');
	const labB = await courseGroup(course.id, 'Lab B');
	const labC = await courseGroup(course.id, 'Lab C');
	await ownerDb()`
		insert into public.group_members (group_id, user_id, role) values
		(${labA}, ${ada.id}, 'member'), (${labA}, ${lena.id}, 'leader'),
		(${labB}, ${ben.id}, 'member'), (${labC}, ${cleo.id}, 'member')`;
	const labs = await grouping(course.id, 'Labs', [labA, labB, labC]);
	const tutorials = await grouping(course.id, 'Tutorials', [labC]);
	return { id: course.id, labs, tutorials, labA, labB, labC };
}

const staff = () => actor(instructor);

/** What a person's own SQL finds of the given groups, straight at the database under RLS. */
async function seenByDatabase(who: Actor, groupIds: string[]) {
	return withUser(who, async (tx) => {
		const [row] = await tx<Record<string, number>[]>`
			select
				(select count(*)::int from public.groups where id = any (${groupIds}::uuid[])) as groups,
				(select count(*)::int from public.group_members where group_id = any (${groupIds}::uuid[])) as members,
				(select count(*)::int from public.current_memberships where group_id = any (${groupIds}::uuid[])) as current,
				(select count(*)::int from public.effective_members where group_id = any (${groupIds}::uuid[])) as effective,
				(select count(*)::int from public.channels where group_id = any (${groupIds}::uuid[])) as channels,
				(select count(*)::int from public.grouping_groups where group_id = any (${groupIds}::uuid[])) as placements,
				(select count(*)::int from private.visible_group_ids() v where v = any (${groupIds}::uuid[])) as visible,
				(select count(*)::int from private.chat_group_ids_array() a, unnest(a) v where v = any (${groupIds}::uuid[])) as chat`;
		return row;
	});
}

const NOTHING = {
	groups: 0,
	members: 0,
	current: 0,
	effective: 0,
	channels: 0,
	placements: 0,
	visible: 0,
	chat: 0
};

describe('deleting a set', () => {
	it('says beforehand what goes: its groups that no other set holds, and their members', async () => {
		const course = await freshCourse();
		expect(await courseGroups.binPreview(staff(), course.labs)).toEqual({
			groupCount: 2,
			memberCount: 3,
			staying: ['Lab C']
		});
		const answer = await callEndpoint(previewRoute.GET, {
			user: instructor,
			params: { id: course.labs }
		});
		expect(answer).toEqual({
			status: 200,
			body: { groupCount: 2, memberCount: 3, staying: ['Lab C'] }
		});
		for (const who of [assistant, ada, lena, outsider]) {
			await expect(courseGroups.binPreview(actor(who), course.labs)).rejects.toMatchObject({
				status: 404
			});
		}
	});

	it('takes the set and its groups out of every list, channel, room and query for everyone', async () => {
		const course = await freshCourse();
		const binned = [course.labA, course.labB];
		const everyone = [ada, ben, lena, assistant, instructor, orgAdmin, platformAdmin];
		// Before: each of them finds the groups, so the checks below can see a leak.
		for (const who of [ada, lena, instructor, orgAdmin, platformAdmin]) {
			expect((await seenByDatabase(actor(who), binned)).groups).toBeGreaterThan(0);
		}
		expect((await roomsOf(ada.id)).groupIds).toContain(course.labA);
		expect((await roomsOf(instructor.id)).groupIds).toContain(course.labB);
		expect(await chat.listChannels(actor(ada), course.labA)).not.toEqual([]);

		expect(await courseGroups.deleteGrouping(staff(), course.labs)).toEqual({
			binned: true,
			groupCount: 2,
			memberCount: 3,
			purgeAt: expect.any(Date)
		});

		for (const who of everyone) {
			expect(await seenByDatabase(actor(who), binned), who.displayName).toEqual(NOTHING);
			const sets = await courseGroups.listGroupings(actor(who), course.id);
			expect(sets.map((set) => set.name)).toEqual(['Tutorials']);
			const tree = await groups.tree(actor(who), { courseId: course.id });
			expect(tree.map((group) => group.name)).not.toContain('Lab A');
			expect(tree.map((group) => group.name)).not.toContain('Lab B');
			for (const groupId of binned) {
				await expect(groups.get(actor(who), groupId)).rejects.toMatchObject({ status: 404 });
				expect(await chat.listChannels(actor(who), groupId)).toEqual([]);
				await expect(memberships.list(actor(who), groupId)).rejects.toMatchObject({
					status: 404
				});
			}
			const rooms = (await roomsOf(who.id)).groupIds;
			expect(rooms.filter((id) => binned.includes(id))).toEqual([]);
			expect((await groups.mine(actor(who))).map((group) => group.id)).not.toContain(course.labA);
		}
		await expect(courseGroups.getGrouping(staff(), course.labs)).rejects.toMatchObject({
			status: 404
		});
		// Lab C stays, in Tutorials, with Cleo.
		const [tutorials] = await courseGroups.listGroupings(actor(cleo), course.id);
		expect(tutorials.groups).toEqual([{ id: course.labC, name: 'Lab C', memberCount: 1 }]);
		expect((await roomsOf(cleo.id)).groupIds).toContain(course.labC);
		// The memberships wait, untouched, for a restore.
		const [{ n }] = await ownerDb()<{ n: number }[]>`
			select count(*)::int as n from public.group_members where group_id = any (${binned}::uuid[])`;
		expect(n).toBe(3);
	});

	it('keeps a binned group out of sign-up, adds and joins', async () => {
		const course = await freshCourse();
		await ownerDb()`update public.groupings set signup_open = true where id = ${course.labs}`;
		await courseGroups.deleteGrouping(staff(), course.labs);
		const [{ listed }] = await withUser(
			actor(ben),
			(tx) => tx<{ listed: number }[]>`
			select count(*)::int as listed from private.signup_listed_group_ids() v
			where v = any (${[course.labA, course.labB]}::uuid[])`
		);
		expect(listed).toBe(0);
		await expect(
			memberships.add(staff(), course.labA, { userIds: [cleo.id] })
		).rejects.toMatchObject({ status: 404 });
	});

	it('is refused to the assistant, learners, leaders and outsiders (not found), changing nothing', async () => {
		const course = await freshCourse();
		for (const who of [assistant, ada, lena, outsider]) {
			await expect(courseGroups.deleteGrouping(actor(who), course.labs)).rejects.toMatchObject({
				status: 404
			});
		}
		const [row] = await ownerDb()<{ deleted_at: Date | null }[]>`
			select deleted_at from public.groupings where id = ${course.labs}`;
		expect(row.deleted_at).toBeNull();
	});
});

describe('the bin', () => {
	it('lists binned sets with their groups, members, who deleted them and the days left', async () => {
		const course = await freshCourse();
		expect(await courseGroups.listBin(staff(), course.id)).toEqual([]);
		await courseGroups.deleteGrouping(staff(), course.labs);
		const [item] = await courseGroups.listBin(staff(), course.id);
		expect(item).toMatchObject({
			id: course.labs,
			name: 'Labs',
			deletedBy: { id: instructor.id, displayName: 'Ines Instructor' },
			daysLeft: 30,
			memberCount: 3,
			groups: [
				{ id: course.labA, name: 'Lab A', memberCount: 2 },
				{ id: course.labB, name: 'Lab B', memberCount: 1 }
			]
		});
		expect(item.purgeAt.getTime() - item.deletedAt.getTime()).toBe(30 * 86_400_000);
		expect((await courseGroups.listBin(actor(orgAdmin), course.id)).map((x) => x.id)).toEqual([
			course.labs
		]);
		for (const who of [assistant, ada, lena, outsider]) {
			await expect(courseGroups.listBin(actor(who), course.id)).rejects.toMatchObject({
				status: 404
			});
		}
	});

	it('restores a set with its groups and their members, everywhere at once', async () => {
		const course = await freshCourse();
		await courseGroups.deleteGrouping(staff(), course.labs);
		for (const who of [assistant, ada, lena, outsider]) {
			await expect(
				courseGroups.restoreGrouping(actor(who), course.id, course.labs)
			).rejects.toMatchObject({ status: 404 });
		}
		expect(await courseGroups.restoreGrouping(staff(), course.id, course.labs)).toEqual({
			restored: true,
			name: 'Labs',
			groupCount: 3,
			memberCount: 4
		});
		const labs = await courseGroups.getGrouping(actor(ada), course.labs);
		expect(labs.groups).toEqual([
			{ id: course.labA, name: 'Lab A', memberCount: 2 },
			{ id: course.labB, name: 'Lab B', memberCount: 1 },
			{ id: course.labC, name: 'Lab C', memberCount: 1 }
		]);
		expect((await roomsOf(ada.id)).groupIds).toContain(course.labA);
		expect((await roomsOf(lena.id)).groupIds).toContain(course.labA);
		const members = await memberships.list(staff(), course.labA);
		expect(JSON.stringify(members)).toContain(ada.id);
		expect(JSON.stringify(members)).toContain(lena.id);
		expect((await seenByDatabase(actor(lena), [course.labA])).current).toBe(2);
		expect(await courseGroups.listBin(staff(), course.id)).toEqual([]);
	});

	it('refuses a restore while a live set has the name, and restores under another', async () => {
		const course = await freshCourse();
		await courseGroups.deleteGrouping(staff(), course.labs);
		await courseGroups.createGrouping(staff(), course.id, { name: 'labs' });
		await expect(
			courseGroups.restoreGrouping(staff(), course.id, course.labs)
		).rejects.toMatchObject({
			status: 409,
			code: 'name_taken',
			message: 'A set named "Labs" already exists in this course: restore it under another name.'
		});
		expect((await courseGroups.listBin(staff(), course.id)).map((x) => x.id)).toEqual([
			course.labs
		]);
		await expect(
			courseGroups.restoreGrouping(staff(), course.id, course.labs, { name: ' ' })
		).rejects.toMatchObject({ status: 409, code: 'name_taken' });
		await expect(
			courseGroups.restoreGrouping(staff(), course.id, course.labs, { name: 'Labs', extra: 1 })
		).rejects.toMatchObject({ status: 400 });
		expect(
			await courseGroups.restoreGrouping(staff(), course.id, course.labs, { name: 'Labs 2025' })
		).toMatchObject({ restored: true, name: 'Labs 2025', groupCount: 3 });
		const names = (await courseGroups.listGroupings(staff(), course.id)).map((set) => set.name);
		expect(names).toEqual(['labs', 'Labs 2025', 'Tutorials']);
	});

	it('answers a restore or purge through another course as not found', async () => {
		const course = await freshCourse();
		const other = await freshCourse();
		await courseGroups.deleteGrouping(staff(), course.labs);
		await expect(
			courseGroups.restoreGrouping(staff(), other.id, course.labs)
		).rejects.toMatchObject({ status: 404 });
		await expect(courseGroups.purgeGrouping(staff(), other.id, course.labs)).rejects.toMatchObject({
			status: 404
		});
		// A live set is not in the bin: nothing to restore or purge.
		await expect(
			courseGroups.restoreGrouping(staff(), course.id, course.tutorials)
		).rejects.toMatchObject({ status: 404 });
		await expect(
			courseGroups.purgeGrouping(staff(), course.id, course.tutorials)
		).rejects.toMatchObject({ status: 404 });
		expect((await courseGroups.listBin(staff(), course.id)).map((x) => x.id)).toEqual([
			course.labs
		]);
	});

	it('deletes a binned set and its groups for good on "Delete now"', async () => {
		const course = await freshCourse();
		await courseGroups.deleteGrouping(staff(), course.labs);
		for (const who of [assistant, ada, outsider]) {
			await expect(
				courseGroups.purgeGrouping(actor(who), course.id, course.labs)
			).rejects.toMatchObject({ status: 404 });
		}
		expect(await courseGroups.purgeGrouping(staff(), course.id, course.labs)).toEqual({
			purged: true,
			groupCount: 2
		});
		const rows = await ownerDb()`
			select id from public.groups where id = any (${[course.labA, course.labB, course.labC]}::uuid[])
			union all select id from public.groupings where id = ${course.labs}`;
		expect(rows.map((row) => row.id)).toEqual([course.labC]);
		expect(await courseGroups.listBin(staff(), course.id)).toEqual([]);
	});

	it('purges, in the daily job, only bins older than 30 days', async () => {
		const course = await freshCourse();
		const old = await grouping(course.id, 'Old set', [await courseGroup(course.id, 'Old group')]);
		await courseGroups.deleteGrouping(staff(), old);
		await courseGroups.deleteGrouping(staff(), course.labs);
		// The old set went 31 days ago; Labs 29 days ago.
		await ownerDb()`
			update public.groupings set deleted_at = now() - interval '31 days' where id = ${old}`;
		await ownerDb()`
			update public.groups set deleted_at = now() - interval '31 days' where binned_with = ${old}`;
		await ownerDb()`
			update public.groupings set deleted_at = now() - interval '29 days' where id = ${course.labs}`;
		await ownerDb()`
			update public.groups set deleted_at = now() - interval '29 days' where binned_with = ${course.labs}`;
		expect(await courseGroups.purgeExpiredBins()).toBeGreaterThanOrEqual(1);
		const bin = await courseGroups.listBin(staff(), course.id);
		expect(bin.map((item) => [item.name, item.daysLeft])).toEqual([['Labs', 1]]);
		const [{ n }] = await ownerDb()<{ n: number }[]>`
			select count(*)::int as n from public.groups where course_id = ${course.id} and name = 'Old group'`;
		expect(n).toBe(0);
		const live = await courseGroups.listGroupings(staff(), course.id);
		expect(live.map((set) => set.name)).toEqual(['Tutorials']);
		expect(await courseGroups.purgeExpiredBins()).toBe(0);
	});
});

describe("a course link's target group in the bin", () => {
	it('is not filled while binned, and is filled on restore', async () => {
		const course = await freshCourse();
		const cohortMember = await createUser({ name: 'Cora Cohort' });
		const lateComer = await createUser({ name: 'Leo Late' });
		for (const who of [cohortMember, lateComer]) await addOrganisationMember(org.id, who.id);
		const [cohort] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, name) values ('organisation', ${org.id}, 'Cohort 2027')
			returning id`;
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${cohort.id}, ${cohortMember.id})`;
		await ownerDb()`
			insert into public.course_group_links (course_id, group_id, target_group_id)
			values (${course.id}, ${cohort.id}, ${course.labB})`;
		const inLabB = async () =>
			(
				await ownerDb()<{ user_id: string }[]>`
					select user_id from public.group_members where group_id = ${course.labB} order by user_id`
			).map((row) => row.user_id);
		expect(await inLabB()).toContain(cohortMember.id);

		await courseGroups.deleteGrouping(staff(), course.labs);
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${cohort.id}, ${lateComer.id})`;
		// Enrolled by the link, but the binned target group takes nobody.
		const [enrolment] = await ownerDb()<{ status: string }[]>`
			select status from public.enrolments where course_id = ${course.id} and user_id = ${lateComer.id}`;
		expect(enrolment.status).toBe('active');
		expect(await inLabB()).not.toContain(lateComer.id);

		await courseGroups.restoreGrouping(staff(), course.id, course.labs);
		expect(await inLabB()).toContain(lateComer.id);
		expect(await inLabB()).toContain(cohortMember.id);
	});
});

describe('the JSON API', () => {
	it('deletes into the bin, lists it, refuses a clashing restore, restores and purges', async () => {
		const course = await freshCourse();
		const deleted = await callEndpoint(groupingRoute.DELETE, {
			method: 'DELETE',
			user: instructor,
			params: { id: course.labs }
		});
		expect(deleted).toMatchObject({
			status: 200,
			body: { binned: true, groupCount: 2, memberCount: 3 }
		});
		const listed = await callEndpoint(binRoute.GET, {
			user: instructor,
			params: { id: course.id }
		});
		expect(listed.status).toBe(200);
		expect((listed.body as { items: { name: string }[] }).items.map((x) => x.name)).toEqual([
			'Labs'
		]);
		expect(
			(await callEndpoint(binRoute.GET, { user: ada, params: { id: course.id } })).status
		).toBe(404);

		await courseGroups.createGrouping(staff(), course.id, { name: 'Labs' });
		const params = { id: course.id, groupingId: course.labs };
		const clash = await callEndpoint(restoreRoute.POST, {
			user: instructor,
			params,
			method: 'POST'
		});
		expect(clash).toMatchObject({ status: 409, body: { error: { code: 'name_taken' } } });
		const unknownField = await callEndpoint(restoreRoute.POST, {
			user: instructor,
			params,
			json: { nmae: 'x' }
		});
		expect(unknownField).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
		const restored = await callEndpoint(restoreRoute.POST, {
			user: instructor,
			params,
			json: { name: 'Old labs' }
		});
		expect(restored).toEqual({
			status: 200,
			body: { restored: true, name: 'Old labs', groupCount: 3, memberCount: 4 }
		});

		await courseGroups.deleteGrouping(staff(), course.labs);
		expect(
			(await callEndpoint(purgeRoute.DELETE, { method: 'DELETE', user: ada, params })).status
		).toBe(404);
		expect(
			await callEndpoint(purgeRoute.DELETE, { method: 'DELETE', user: instructor, params })
		).toEqual({ status: 200, body: { purged: true, groupCount: 2 } });
	});
});
