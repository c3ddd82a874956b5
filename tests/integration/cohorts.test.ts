import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cohorts from '$lib/server/cohorts';
import * as enrolments from '$lib/server/enrolments';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	ownerDb,
	type TestUser
} from './helpers';

let org: { id: string };
let admin: TestUser;

beforeAll(async () => {
	org = await createOrganisation();
	admin = await createUser({ name: 'Cohort Admin' });
	await addOrganisationMember(org.id, admin.id, 'admin');
});

// Cohorts are organisation groups: they take the organisation's people.
async function orgPerson() {
	const person = await createUser();
	await addOrganisationMember(org.id, person.id);
	return person;
}

async function enrolmentOf(courseId: string, userId: string) {
	const [row] = await ownerDb()<{ role: string; status: string; source: string }[]>`
		select role, status, source from public.enrolments where course_id = ${courseId} and user_id = ${userId}`;
	return row ?? null;
}

describe('linking a cohort to a course', () => {
	it('enrols the cohort and its sub-groups at once, and places them in a new "<cohort> cohort" group', async () => {
		const a = actor(admin);
		const course = await createCourse(org.id);
		const cohort = await groups.create(a, {
			organisationId: org.id,
			name: 'Intake Spring',
			kind: 'cohort'
		});
		const sub = await groups.create(a, { parentId: cohort.id, name: 'Intake Spring — Evening' });
		const [top, nested] = [await orgPerson(), await orgPerson()];
		await memberships.add(a, cohort.id, { userIds: [top.id] });
		await memberships.add(a, sub.id, { userIds: [nested.id] });
		const link = await cohorts.link(a, course.id, {
			groupId: cohort.id,
			courseRole: 'learner',
			target: 'new'
		});
		expect(link.enrolled).toBe(2);
		expect(link.targetGroupName).toBe('Intake Spring cohort');
		expect(await enrolmentOf(course.id, top.id)).toEqual({
			role: 'learner',
			status: 'active',
			source: 'link'
		});
		expect(await enrolmentOf(course.id, nested.id)).toMatchObject({ status: 'active' });
		const placed =
			await ownerDb()`select user_id from public.group_members where group_id = ${link.targetGroupId} order by user_id`;
		expect(placed.map((row) => row.user_id).sort()).toEqual([top.id, nested.id].sort());
	});

	it('enrols someone added to a leaf group, and suspends them when removed', async () => {
		const a = actor(admin);
		const course = await createCourse(org.id);
		const cohort = await groups.create(a, { organisationId: org.id, name: 'Cohort with leaves' });
		const leaf = await groups.create(a, {
			parentId: (await groups.create(a, { parentId: cohort.id, name: 'Middle' })).id,
			name: 'Leaf'
		});
		await cohorts.link(a, course.id, { groupId: cohort.id });
		const person = await orgPerson();
		await memberships.add(a, leaf.id, { userIds: [person.id] });
		expect(await enrolmentOf(course.id, person.id)).toMatchObject({
			status: 'active',
			source: 'link'
		});
		await memberships.remove(a, leaf.id, { userIds: [person.id] });
		expect(await enrolmentOf(course.id, person.id)).toMatchObject({ status: 'suspended' });
		await memberships.add(a, leaf.id, { userIds: [person.id] });
		expect(await enrolmentOf(course.id, person.id)).toMatchObject({ status: 'active' });
	});

	it('unenrols on removal when the link says so', async () => {
		const a = actor(admin);
		const course = await createCourse(org.id);
		const cohort = await groups.create(a, { organisationId: org.id, name: 'Strict cohort' });
		await cohorts.link(a, course.id, { groupId: cohort.id, removalPolicy: 'unenrol' });
		const person = await orgPerson();
		await memberships.add(a, cohort.id, { userIds: [person.id] });
		await memberships.remove(a, cohort.id, { userIds: [person.id] });
		expect(await enrolmentOf(course.id, person.id)).toBeNull();
	});

	it('leaves hand enrolments and other links alone when unlinking', async () => {
		const a = actor(admin);
		const course = await createCourse(org.id);
		const first = await groups.create(a, { organisationId: org.id, name: 'First cohort' });
		const second = await groups.create(a, { organisationId: org.id, name: 'Second cohort' });
		const [byHand, inBoth, onlyFirst] = [await orgPerson(), await orgPerson(), await orgPerson()];
		await enrolments.enrolByEmails(a, course.id, { emails: byHand.email });
		await memberships.add(a, first.id, { userIds: [byHand.id, inBoth.id, onlyFirst.id] });
		await memberships.add(a, second.id, { userIds: [inBoth.id] });
		const firstLink = await cohorts.link(a, course.id, {
			groupId: first.id,
			removalPolicy: 'unenrol'
		});
		await cohorts.link(a, course.id, { groupId: second.id });
		await cohorts.unlink(a, firstLink.id);
		expect(await enrolmentOf(course.id, byHand.id)).toMatchObject({
			status: 'active',
			source: 'manual'
		});
		expect(await enrolmentOf(course.id, inBoth.id)).toMatchObject({ status: 'active' });
		expect(await enrolmentOf(course.id, onlyFirst.id)).toBeNull();
	});

	it('follows a subtree moved out from under the linked cohort', async () => {
		const a = actor(admin);
		const course = await createCourse(org.id);
		const cohort = await groups.create(a, { organisationId: org.id, name: 'Moving cohort' });
		const branch = await groups.create(a, { parentId: cohort.id, name: 'Branch' });
		const person = await orgPerson();
		await memberships.add(a, branch.id, { userIds: [person.id] });
		await cohorts.link(a, course.id, { groupId: cohort.id });
		const worker = await orgPerson();
		await memberships.add(a, branch.id, { userIds: [worker.id] });
		await ownerDb()`
			insert into public.learner_events (user_id, course_id, kind) values (${worker.id}, ${course.id}, 'course_view')`;
		await groups.move(a, branch.id, { parentId: null });
		// Someone with work in the course is suspended; someone with none is taken out, so that
		// moving back leaves nobody with an enrolment they did not have (docs/decisions.md).
		expect(await enrolmentOf(course.id, worker.id)).toMatchObject({ status: 'suspended' });
		expect(await enrolmentOf(course.id, person.id)).toBeNull();
		await groups.move(a, branch.id, { parentId: cohort.id });
		expect(await enrolmentOf(course.id, person.id)).toMatchObject({ status: 'active' });
		expect(await enrolmentOf(course.id, worker.id)).toMatchObject({ status: 'active' });
	});

	it('applies a membership that ends by the clock on the next sweep', async () => {
		const a = actor(admin);
		const course = await createCourse(org.id);
		const cohort = await groups.create(a, { organisationId: org.id, name: 'Expiring cohort' });
		await cohorts.link(a, course.id, { groupId: cohort.id });
		const person = await orgPerson();
		await memberships.add(a, cohort.id, {
			userIds: [person.id],
			validUntil: new Date(Date.now() + 1500).toISOString()
		});
		expect(await enrolmentOf(course.id, person.id)).toMatchObject({ status: 'active' });
		await new Promise((resolve) => setTimeout(resolve, 1700));
		await cohorts.syncDueMemberships();
		expect(await enrolmentOf(course.id, person.id)).toMatchObject({ status: 'suspended' });
	});

	it('refuses a second link of the same group and a group of another organisation', async () => {
		const a = actor(admin);
		const course = await createCourse(org.id);
		const cohort = await groups.create(a, { organisationId: org.id, name: 'Once only' });
		await cohorts.link(a, course.id, { groupId: cohort.id });
		await expect(cohorts.link(a, course.id, { groupId: cohort.id })).rejects.toThrow(
			/already linked/
		);
		const otherOrg = await createOrganisation();
		const platformAdmin = await createUser({ admin: true });
		const foreign = await groups.create(actor(platformAdmin), {
			organisationId: otherOrg.id,
			name: 'Foreign'
		});
		await expect(
			cohorts.link(actor(platformAdmin), course.id, { groupId: foreign.id })
		).rejects.toThrow(/own organisation/);
		await expect(cohorts.link(a, course.id, { groupId: foreign.id })).rejects.toThrow(/Not found/);
	});

	it('records the derived enrolments in the audit log as coming from the link', async () => {
		const a = actor(admin);
		const course = await createCourse(org.id);
		const cohort = await groups.create(a, { organisationId: org.id, name: 'Audited cohort' });
		await cohorts.link(a, course.id, { groupId: cohort.id });
		const person = await orgPerson();
		await memberships.add(a, cohort.id, { userIds: [person.id] });
		const rows = await ownerDb()`
			select actor_id, via from public.audit_events
			where action = 'enrolments.insert' and course_id = ${course.id} and subject_user_id = ${person.id}`;
		expect(rows).toEqual([{ actor_id: admin.id, via: 'link' }]);
	});
});

describe('sync against a model', () => {
	it('keeps enrolments equal to what the links say through random add/remove/link/unlink/expire', async () => {
		const a = actor(admin);
		const course = await createCourse(org.id);
		const root = await groups.create(a, { organisationId: org.id, name: 'Model root' });
		const child = await groups.create(a, { parentId: root.id, name: 'Model child' });
		const other = await groups.create(a, { organisationId: org.id, name: 'Model other' });
		const groupIds = [root.id, child.id, other.id];
		const parentOf: Record<string, string | null> = {
			[root.id]: null,
			[child.id]: root.id,
			[other.id]: null
		};
		const people = await Promise.all(Array.from({ length: 4 }, () => orgPerson()));
		const handEnrolled = people[0];
		await enrolments.enrolByEmails(a, course.id, { emails: handEnrolled.email });

		const step = fc.oneof(
			fc.record({ kind: fc.constant('add' as const), group: fc.nat(2), person: fc.nat(3) }),
			fc.record({ kind: fc.constant('remove' as const), group: fc.nat(2), person: fc.nat(3) }),
			fc.record({ kind: fc.constant('expire' as const), group: fc.nat(2), person: fc.nat(3) }),
			fc.record({
				kind: fc.constant('link' as const),
				group: fc.constantFrom(0, 2),
				policy: fc.constantFrom('suspend', 'unenrol')
			}),
			fc.record({ kind: fc.constant('unlink' as const), group: fc.constantFrom(0, 2) })
		);

		await fc.assert(
			fc.asyncProperty(fc.array(step, { minLength: 8, maxLength: 30 }), async (steps) => {
				// Start each run from a clean slate: no links, no memberships, the hand enrolment only.
				await ownerDb()`delete from public.course_group_links where course_id = ${course.id}`;
				await ownerDb()`delete from public.group_members where group_id = any(${groupIds}::uuid[])`;
				await ownerDb()`delete from public.enrolments where course_id = ${course.id} and user_id <> ${handEnrolled.id}`;
				const member = new Map<string, Set<string>>(groupIds.map((id) => [id, new Set()]));
				const links = new Map<string, { id: string; policy: string }>();
				// What the model expects for each person: 'active', 'suspended' or absent.
				const expected = new Map<string, string>([[handEnrolled.id, 'active']]);
				const effectivelyIn = (groupId: string, personId: string) =>
					groupIds.some(
						(g) => member.get(g)!.has(personId) && (g === groupId || parentOf[g] === groupId)
					);
				const wanted = (personId: string) =>
					[...links.keys()].some((g) => effectivelyIn(g, personId));
				const apply = (before: Map<string, boolean>, policyOf: (personId: string) => string) => {
					for (const person of people) {
						if (person.id === handEnrolled.id) continue;
						const now = wanted(person.id);
						if (now) expected.set(person.id, 'active');
						else if (before.get(person.id) && !now) {
							if (policyOf(person.id) === 'unenrol') expected.delete(person.id);
							else expected.set(person.id, 'suspended');
						}
					}
				};
				for (const s of steps) {
					const before = new Map(people.map((p) => [p.id, wanted(p.id)]));
					// When one change drops someone from several links, any 'unenrol' among them wins.
					const policyFor = (removedFrom: string[]) => () =>
						removedFrom.some((g) => links.get(g)?.policy === 'unenrol') ? 'unenrol' : 'suspend';
					if (s.kind === 'add') {
						await memberships.add(a, groupIds[s.group], { userIds: [people[s.person].id] });
						member.get(groupIds[s.group])!.add(people[s.person].id);
						apply(before, () => 'suspend');
					} else if (s.kind === 'remove' || s.kind === 'expire') {
						if (!member.get(groupIds[s.group])!.has(people[s.person].id)) continue;
						if (s.kind === 'remove') {
							await memberships.remove(a, groupIds[s.group], { userIds: [people[s.person].id] });
						} else {
							await ownerDb()`update public.group_members
								set valid_from = now() - interval '1 day', valid_until = now() - interval '1 millisecond'
								where group_id = ${groupIds[s.group]} and user_id = ${people[s.person].id}`;
						}
						member.get(groupIds[s.group])!.delete(people[s.person].id);
						const linkedAncestors = [groupIds[s.group], parentOf[groupIds[s.group]]].filter(
							(g): g is string => !!g
						);
						apply(before, policyFor(linkedAncestors));
					} else if (s.kind === 'link') {
						if (links.has(groupIds[s.group])) continue;
						const created = await cohorts.link(a, course.id, {
							groupId: groupIds[s.group],
							removalPolicy: s.policy
						});
						links.set(groupIds[s.group], { id: created.id, policy: s.policy });
						apply(before, () => 'suspend');
					} else {
						const existing = links.get(groupIds[s.group]);
						if (!existing) continue;
						await cohorts.unlink(a, existing.id);
						links.delete(groupIds[s.group]);
						apply(before, () => existing.policy);
					}
					const rows = await ownerDb()<{ user_id: string; status: string }[]>`
						select user_id, status from public.enrolments where course_id = ${course.id}`;
					const actual = new Map(rows.map((row) => [row.user_id, row.status]));
					expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
				}
			}),
			{ numRuns: 30, seed: 20261122 }
		);
	});
});
