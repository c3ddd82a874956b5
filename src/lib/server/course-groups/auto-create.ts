/** Automatic creation: splitting a course's people into new groups, previewed first. */
import { requireAccess } from '$lib/server/access';
import { readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError } from '$lib/server/errors';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/course-groups';
import { allocate, nameGroups, newSeed, type Person } from './allocate';
import { retryDeadlock, translate } from './refusals';

export type AutoCreatePreview = {
	/** The seed that reproduces this random allocation; pass it to autoCreate. */
	seed: number;
	groups: { name: string; members: Person[] }[];
	/** People the source gave, before ignoring those already in a group. */
	sourceCount: number;
	/** People left out because they are already in a group of the course or grouping. */
	ignoredCount: number;
};

export type AutoCreateResult = {
	groupingId: string | null;
	groups: { id: string; name: string; memberCount: number }[];
	seed: number;
};

/** At most this many people are split in one go. */
export const MAX_AUTO_CREATE_PEOPLE = 20000;

/** The people the options draw from, in a stable order, with whether the ignore rule drops them. */
async function sourcePeople(tx: Tx, courseId: string, options: schemas.AutoCreateOptions) {
	const { source, ignore } = options;
	let from;
	if ('role' in source) {
		from = tx`e.role = ${source.role}`;
	} else if ('groupId' in source) {
		const [group] = await tx`
			select 1 from public.groups where id = ${source.groupId} and course_id = ${courseId}`;
		if (!group) throw new DomainError(400, 'invalid_source', 'Choose a group of this course.');
		from = tx`e.role = 'learner' and e.user_id in (
			select m.user_id from public.effective_members m where m.group_id = ${source.groupId})`;
	} else if ('groupingId' in source) {
		const [grouping] = await tx`
			select 1 from public.groupings where id = ${source.groupingId} and course_id = ${courseId}`;
		if (!grouping) {
			throw new DomainError(400, 'invalid_source', 'Choose a grouping of this course.');
		}
		from = tx`e.role = 'learner' and e.user_id in (
			select m.user_id from public.grouping_groups gg
			join public.effective_members m on m.group_id = gg.group_id
			where gg.grouping_id = ${source.groupingId})`;
	} else {
		// A cohort linked to the course, or any group of the organisation or the platform the
		// caller can see: the course's participants in it, read through a helper, since its member
		// list may be closed to them.
		const [cohort] = await tx`
			select 1 where exists (
				select 1 from public.course_group_links
				where course_id = ${courseId} and group_id = ${source.cohortId}
			) or exists (
				select 1 from public.groups
				where id = ${source.cohortId} and (course_id is null or course_id <> ${courseId})
			)`;
		if (!cohort) {
			throw new DomainError(400, 'invalid_source', 'Choose a cohort you can see.');
		}
		from = tx`e.role = 'learner' and e.user_id in (
			select private.course_participants_in_group(${courseId}, ${source.cohortId}))`;
	}
	if (typeof ignore === 'object') {
		const [grouping] = await tx`
			select 1 from public.groupings where id = ${ignore.groupingId} and course_id = ${courseId}`;
		if (!grouping) {
			throw new DomainError(400, 'invalid_ignore', 'Choose a grouping of this course.');
		}
	}
	const ignored =
		ignore === 'course'
			? tx`exists (
				select 1 from public.current_memberships m join public.groups g on g.id = m.group_id
				where m.user_id = e.user_id and g.course_id = ${courseId})`
			: typeof ignore === 'object'
				? tx`exists (
					select 1 from public.grouping_groups gg join public.current_memberships m on m.group_id = gg.group_id
					where gg.grouping_id = ${ignore.groupingId} and m.user_id = e.user_id)`
				: tx`false`;
	const rows = await tx<(Person & { ignored: boolean })[]>`
		select e.user_id as id, u.display_name as "displayName", ${ignored} as ignored
		from public.enrolments e join public.users u on u.id = e.user_id
		where e.course_id = ${courseId} and ${from}
		  ${options.includeInactive ? tx`` : tx`and e.status = 'active'`}
		order by e.user_id
		limit ${MAX_AUTO_CREATE_PEOPLE + 1}`;
	if (rows.length > MAX_AUTO_CREATE_PEOPLE) {
		throw new DomainError(
			413,
			'too_many_people',
			`Split at most ${MAX_AUTO_CREATE_PEOPLE.toLocaleString('en')} people at a time.`
		);
	}
	return rows;
}

async function plan(tx: Tx, courseId: string, options: schemas.AutoCreateOptions) {
	const rows = await sourcePeople(tx, courseId, options);
	const people = rows
		.filter((row) => !row.ignored)
		.map(({ id, displayName }) => ({ id, displayName }));
	if (people.length === 0 && (options.allocation !== 'none' || options.by === 'members')) {
		throw new DomainError(
			422,
			'nobody_to_allocate',
			rows.length === 0
				? 'Nobody matches: the source has no one to put in groups.'
				: 'Everyone the source gives is already in a group.'
		);
	}
	const seed = options.seed ?? newSeed();
	const groups = allocate(people, { ...options, seed });
	if (groups.length > 5000) {
		throw new DomainError(400, 'too_many_groups', 'That would make more than 5,000 groups.');
	}
	const taken = await tx<{ name: string }[]>`
		select name from public.groups where course_id = ${courseId}`;
	const names = nameGroups(
		options.naming,
		groups.length,
		taken.map((row) => row.name)
	);
	if (names.some((name) => name.length > 200)) {
		throw new DomainError(
			400,
			'invalid_input',
			'The group names would be longer than 200 characters.'
		);
	}
	return {
		seed,
		groups: groups.map((members, index) => ({ name: names[index], members })),
		sourceCount: rows.length,
		ignoredCount: rows.length - people.length
	};
}

/** What autoCreate would make with these options: names, members and counts, and the seed. */
export async function previewAutoCreate(
	actor: Actor,
	courseId: string,
	options: unknown
): Promise<AutoCreatePreview> {
	const data = parse(schemas.autoCreateOptions, options);
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.manage', courseId);
		return plan(tx, courseId, data);
	});
}

/**
 * Creates the groups (and their grouping, if asked) in one transaction with set-based inserts.
 * With the preview's seed the groups are exactly the preview's.
 */
export async function autoCreate(
	actor: Actor,
	courseId: string,
	options: unknown,
	via: Via = 'app'
): Promise<AutoCreateResult> {
	const data = parse(schemas.autoCreateOptions, options);
	try {
		return await retryDeadlock(() =>
			withUser(
				actor,
				async (tx) => {
					await requireAccess(tx, 'course.manage', courseId);
					const planned = await plan(tx, courseId, data);
					let groupingId: string | null = null;
					if (data.grouping && 'id' in data.grouping) {
						const [grouping] = await tx<{ id: string }[]>`
						select id from public.groupings where id = ${data.grouping.id} and course_id = ${courseId}`;
						if (!grouping) {
							throw new DomainError(400, 'invalid_grouping', 'Choose a grouping of this course.');
						}
						groupingId = grouping.id;
					} else if (data.grouping) {
						groupingId = crypto.randomUUID();
						await tx`
						insert into public.groupings (id, course_id, name, created_by)
						values (${groupingId}, ${courseId}, ${data.grouping.name}, ${actor?.id ?? null})`;
					}
					const groupIds = planned.groups.map(() => crypto.randomUUID());
					const names = planned.groups.map((group) => group.name);
					await tx`
					insert into public.groups (id, scope, organisation_id, course_id, kind, name, messaging_enabled, created_by)
					select t.id, 'course', c.organisation_id, c.id, 'group', t.name, ${data.messaging}, ${actor?.id ?? null}
					from unnest(${groupIds}::uuid[], ${names}::text[]) as t(id, name)
					cross join public.courses c where c.id = ${courseId}`;
					const memberGroups: string[] = [];
					const memberUsers: string[] = [];
					planned.groups.forEach((group, index) => {
						for (const person of group.members) {
							memberGroups.push(groupIds[index]);
							memberUsers.push(person.id);
						}
					});
					if (memberUsers.length > 0) {
						await tx`
						insert into public.group_members (group_id, user_id, role, source, added_by)
						select t.group_id, t.user_id, 'member', 'auto', ${actor?.id ?? null}
						from unnest(${memberGroups}::uuid[], ${memberUsers}::uuid[]) as t(group_id, user_id)`;
					}
					if (groupingId && groupIds.length > 0) {
						await tx`
						insert into public.grouping_groups (grouping_id, group_id)
						select ${groupingId}, unnest(${groupIds}::uuid[])`;
					}
					return {
						groupingId,
						seed: planned.seed,
						groups: planned.groups.map((group, index) => ({
							id: groupIds[index],
							name: group.name,
							memberCount: group.members.length
						}))
					};
				},
				via
			)
		);
	} catch (error) {
		translate(error);
	}
}
