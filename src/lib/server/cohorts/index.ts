import { requireAccess } from '$lib/server/access';
import {
	asService,
	isGroupFull,
	isPgError,
	PG,
	readAs,
	withUser,
	type Actor,
	type Tx,
	type Via
} from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/groups';
import * as groups from '$lib/server/groups';

export type CourseLink = {
	id: string;
	courseId: string;
	groupId: string;
	groupName: string;
	courseRole: 'learner' | 'assistant' | 'instructor';
	targetGroupId: string | null;
	targetGroupName: string | null;
	removalPolicy: 'suspend' | 'unenrol';
	enrolled: number;
	createdAt: Date;
};

/** A link placing people in a course group meets that group's rules: its size, its grouping. */
function translateMembershipError(error: unknown): never {
	if (isGroupFull(error)) {
		throw new DomainError(409, 'group_full', 'The course group is full: its people do not fit.');
	}
	if (isPgError(error, PG.checkViolation) && error.hint === 'exclusive_grouping') {
		throw new DomainError(409, 'exclusive_grouping', error.message);
	}
	throw error;
}

export function listForCourse(actor: Actor, courseId: string): Promise<CourseLink[]> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.view', courseId);
		return tx<CourseLink[]>`
			select l.id, l.course_id as "courseId", l.group_id as "groupId",
			       coalesce(g.name, 'A group you cannot see') as "groupName",
			       l.course_role as "courseRole", l.target_group_id as "targetGroupId", t.name as "targetGroupName",
			       l.removal_policy as "removalPolicy", l.created_at as "createdAt",
			       (select count(*)::int from public.course_link_members lm where lm.link_id = l.id) as enrolled
			from public.course_group_links l
			left join public.groups g on g.id = l.group_id
			left join public.groups t on t.id = l.target_group_id
			where l.course_id = ${courseId}
			order by l.created_at`;
	});
}

/** A group of the organisation or the platform that a course's staff may draw people from. */
export type Cohort = {
	id: string;
	name: string;
	scope: 'platform' | 'organisation';
	depth: number;
	/** Members the viewer can see (0 where the member list is closed to them). */
	effectiveMembers: number;
	/** Whether the viewer may link it to the course (public.may_link_to_course). */
	canLink: boolean;
	linked: boolean;
};

/**
 * The organisation's and the platform's groups the course's manager can see, in tree order: the
 * cohorts auto-create may draw from, each saying whether it may be linked (and is already).
 */
export async function cohortsFor(actor: Actor, courseId: string): Promise<Cohort[]> {
	const organisationId = await readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.manage', courseId);
		const [course] = await tx<{ organisationId: string }[]>`
			select organisation_id as "organisationId" from public.courses where id = ${courseId}`;
		return course.organisationId;
	});
	const [organisationGroups, platformGroups] = await Promise.all([
		groups.tree(actor, { organisationId }),
		groups.tree(actor, { platform: true })
	]);
	const all = [...organisationGroups, ...platformGroups];
	const ids = all.map((group) => group.id);
	const { linkable, linked } = await readAs(actor, async (tx) => {
		const [{ allowed }] = await tx<{ allowed: string[] }[]>`
			select public.may_link_to_course(${courseId}, ${ids}::uuid[])::text[] as allowed`;
		const links = await tx<{ groupId: string }[]>`
			select group_id as "groupId" from public.course_group_links where course_id = ${courseId}`;
		return { linkable: new Set(allowed), linked: new Set(links.map((row) => row.groupId)) };
	});
	return all.map((group) => ({
		id: group.id,
		name: group.name,
		scope: group.scope as Cohort['scope'],
		depth: group.depth,
		effectiveMembers: group.effectiveMembers,
		canLink: linkable.has(group.id),
		linked: linked.has(group.id)
	}));
}

/** One link, through the course it belongs to: a link of a course the caller cannot see is not found. */
export function get(actor: Actor, linkId: string): Promise<CourseLink> {
	return readAs(actor, async (tx) => {
		const [found] = await tx<CourseLink[]>`
			select l.id, l.course_id as "courseId", l.group_id as "groupId",
			       coalesce(g.name, 'A group you cannot see') as "groupName",
			       l.course_role as "courseRole", l.target_group_id as "targetGroupId", t.name as "targetGroupName",
			       l.removal_policy as "removalPolicy", l.created_at as "createdAt",
			       (select count(*)::int from public.course_link_members lm where lm.link_id = l.id) as enrolled
			from public.course_group_links l
			left join public.groups g on g.id = l.group_id
			left join public.groups t on t.id = l.target_group_id
			where l.id = ${linkId}`;
		if (!found) throw notFound();
		await requireAccess(tx, 'course.view', found.courseId);
		return found;
	});
}

const linkColumns = (tx: Tx) => tx`
	l.id, l.course_id as "courseId", l.group_id as "groupId",
	coalesce(g.name, 'A group you cannot see') as "groupName",
	l.course_role as "courseRole", l.target_group_id as "targetGroupId", t.name as "targetGroupName",
	l.removal_policy as "removalPolicy", l.created_at as "createdAt",
	(select count(*)::int from public.course_link_members lm where lm.link_id = l.id) as enrolled`;

async function readLinks(tx: Tx, ids: string[]): Promise<CourseLink[]> {
	return tx<CourseLink[]>`
		select ${linkColumns(tx)}
		from public.course_group_links l
		left join public.groups g on g.id = l.group_id
		left join public.groups t on t.id = l.target_group_id
		where l.id = any(${ids}::uuid[])
		order by array_position(${ids}::uuid[], l.id)`;
}

/**
 * The course group a link places its people in: an existing group of the course, a new synced
 * group "<cohort> cohort" ('new'), or none.
 */
async function resolveTarget(
	tx: Tx,
	actor: Actor,
	course: { id: string; organisationId: string },
	target: string | null | undefined,
	cohortName: string
): Promise<string | null> {
	if (!target) return null;
	if (target === 'new') {
		const id = crypto.randomUUID();
		await tx`
			insert into public.groups (id, scope, organisation_id, course_id, kind, name, membership_mode, created_by)
			values (${id}, 'course', ${course.organisationId}, ${course.id}, 'cohort',
			        ${`${cohortName} cohort`.slice(0, 200)}, 'sync', ${actor?.id ?? null})`;
		return id;
	}
	const [found] = await tx<{ course_id: string | null }[]>`
		select course_id from public.groups where id = ${target}`;
	if (!found || found.course_id !== course.id) {
		throw new DomainError(400, 'invalid_input', 'Place members in a group of this course.', [
			{ path: 'target', message: 'Choose a group of this course, "new" or none.' }
		]);
	}
	return target;
}

/**
 * Links groups (sub-groups included) to a course, all or none: their members are enrolled at
 * once, set-based, and kept in step from then on. With target 'new', each gets a course group
 * "<group> cohort"; with an existing course group, all are placed in it.
 */
async function linkGroups(
	actor: Actor,
	courseId: string,
	groupIds: string[],
	options: { courseRole: string; target: string; removalPolicy: string },
	via: Via
): Promise<CourseLink[]> {
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'course.manage', courseId);
				await requireAccess(tx, 'group.view', groupIds);
				const [course] = await tx<{ id: string; organisationId: string }[]>`
					select id, organisation_id as "organisationId" from public.courses where id = ${courseId}`;
				const found = await tx<
					{
						id: string;
						name: string;
						scope: string;
						organisationId: string | null;
						courseId: string | null;
					}[]
				>`
					select id, name, scope, organisation_id as "organisationId", course_id as "courseId"
					from public.groups where id = any(${groupIds}::uuid[])`;
				const byId = new Map(found.map((group) => [group.id, group]));
				const linked = new Set(
					(
						await tx<{ group_id: string }[]>`
							select group_id from public.course_group_links
							where course_id = ${courseId} and group_id = any(${groupIds}::uuid[])`
					).map((row) => row.group_id)
				);
				const ids: string[] = [];
				const existingTarget =
					options.target && options.target !== 'new'
						? await resolveTarget(tx, actor, course, options.target, '')
						: null;
				for (const groupId of groupIds) {
					const group = byId.get(groupId)!;
					if (group.scope === 'course' && group.courseId === courseId) {
						throw new DomainError(
							400,
							'invalid_input',
							`${group.name} is a group of this course already: link a cohort from the organisation or platform.`
						);
					}
					if (group.scope !== 'platform' && group.organisationId !== course.organisationId) {
						throw new DomainError(
							400,
							'invalid_input',
							`${group.name}: only groups of the course’s own organisation, or platform groups, can be linked.`
						);
					}
					if (linked.has(groupId)) {
						throw new DomainError(
							409,
							'already_linked',
							`${group.name} is already linked to this course. Nothing was linked.`
						);
					}
					const targetGroupId =
						options.target === 'new'
							? await resolveTarget(tx, actor, course, 'new', group.name)
							: existingTarget;
					const id = crypto.randomUUID();
					await tx`
						insert into public.course_group_links (id, course_id, group_id, course_role, target_group_id, removal_policy, created_by)
						values (${id}, ${courseId}, ${groupId}, ${options.courseRole}, ${targetGroupId}, ${options.removalPolicy}, ${actor?.id ?? null})`;
					ids.push(id);
				}
				return readLinks(tx, ids);
			},
			via
		);
	} catch (error) {
		if (isPgError(error, PG.uniqueViolation)) {
			throw new DomainError(409, 'already_linked', 'This group is already linked to this course.');
		}
		if (isPgError(error, PG.insufficientPrivilege)) throw notFound();
		translateMembershipError(error);
	}
}

/** Links one group (see linkMany). */
export async function link(
	actor: Actor,
	courseId: string,
	input: unknown,
	via: Via = 'app'
): Promise<CourseLink> {
	const { groupId, ...options } = parse(schemas.courseLinkCreate, input);
	const [created] = await linkGroups(actor, courseId, [groupId], options, via);
	return created;
}

/** Links several groups in one step, all or none, with the same role, target and policy. */
export async function linkMany(
	actor: Actor,
	courseId: string,
	input: unknown,
	via: Via = 'app'
): Promise<CourseLink[]> {
	const { groupIds, ...options } = parse(schemas.courseLinksCreate, input);
	return linkGroups(actor, courseId, [...new Set(groupIds)], options, via);
}

/**
 * Changes a link's role, removal policy or target course group. What the link already did
 * follows (the database's course_links_after_update): a new target takes its people at once.
 */
export async function update(
	actor: Actor,
	linkId: string,
	input: unknown,
	via: Via = 'app'
): Promise<CourseLink> {
	if (!isUuid(linkId)) throw notFound();
	const data = parse(schemas.courseLinkUpdate, input);
	try {
		return await withUser(
			actor,
			async (tx) => {
				const [found] = await tx<{ courseId: string; cohortName: string | null }[]>`
					select l.course_id as "courseId", g.name as "cohortName"
					from public.course_group_links l left join public.groups g on g.id = l.group_id
					where l.id = ${linkId}`;
				if (!found) throw notFound();
				await requireAccess(tx, 'course.manage', found.courseId);
				const [course] = await tx<{ id: string; organisationId: string }[]>`
					select id, organisation_id as "organisationId" from public.courses where id = ${found.courseId}`;
				const changes: Record<string, unknown> = {};
				if (data.courseRole) changes.course_role = data.courseRole;
				if (data.removalPolicy) changes.removal_policy = data.removalPolicy;
				if (data.target !== undefined) {
					changes.target_group_id = await resolveTarget(
						tx,
						actor,
						course,
						data.target,
						found.cohortName ?? 'Linked group'
					);
				}
				if (Object.keys(changes).length > 0) {
					await tx`update public.course_group_links set ${tx(changes)} where id = ${linkId}`;
				}
				const [updated] = await readLinks(tx, [linkId]);
				return updated;
			},
			via
		);
	} catch (error) {
		if (isPgError(error, PG.insufficientPrivilege)) throw notFound();
		translateMembershipError(error);
	}
}

/** Unlinks: only enrolments that came from this link follow its removal policy. */
export async function unlink(actor: Actor, linkId: string, via: Via = 'app') {
	if (!isUuid(linkId)) throw notFound();
	await withUser(
		actor,
		async (tx) => {
			const rows =
				await tx`delete from public.course_group_links where id = ${linkId} returning id`;
			if (rows.length === 0) throw notFound();
		},
		via
	);
}

/** Applies memberships that started or ended by the clock; run every few seconds by the app. */
export function syncDueMemberships(): Promise<number> {
	return asService(async (tx) => {
		const [{ changed }] = await tx<
			{ changed: number }[]
		>`select private.sync_due_memberships() as changed`;
		return changed;
	});
}

/** Re-syncs every link of a course in full (a repair; normal changes sync as they happen). */
export function resyncCourse(courseId: string) {
	return asService(
		(tx) => tx`
			select private.sync_course_links(array(select id from public.course_group_links where course_id = ${courseId}), null)`
	);
}
