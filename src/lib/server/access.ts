import type { Actor, Tx } from '$lib/server/db';
import { notFound } from '$lib/server/errors';

/**
 * Every permission the app checks before it acts. The answer comes from the same private helpers
 * the RLS policies use, so the app and the database never disagree.
 */
export type Permission =
	| 'platform.admin'
	| 'organisation.view'
	| 'organisation.manage'
	| 'course.view'
	| 'course.manage'
	| 'course.staff'
	| 'group.view'
	| 'group.manage'
	| 'group.manageMembers'
	| 'grouping.view'
	| 'grouping.manage'
	// Reading a group's channels, announcements and resources; posting announcements; removing what others shared.
	| 'group.read'
	| 'group.announce'
	| 'group.moderate'
	| 'group.progress';

/**
 * Which of `ids` the current transaction's user holds `permission` on. Seeing the row under RLS
 * is the view permission; every other permission is one SQL function (`public.may_*`, see
 * supabase/schemas/), the same the capabilities reads use.
 */
export async function allowedIds(
	tx: Tx,
	permission: Permission,
	ids: string[]
): Promise<Set<string>> {
	if (ids.length === 0) return new Set();
	let rows: { id: string }[];
	switch (permission) {
		case 'platform.admin':
			rows = await tx<{ id: string }[]>`
				select unnest(${ids}::uuid[])::text as id where (select private.is_platform_admin())`;
			break;
		case 'organisation.view':
			rows = await tx<{ id: string }[]>`
				select id::text from public.organisations where id = any(${ids}::uuid[])`;
			break;
		case 'organisation.manage':
			rows = await tx<{ id: string }[]>`
				select id::text from public.organisations
				where id = any(${ids}::uuid[])
				  and id = any((select public.may_manage_organisations(${ids}::uuid[]))::uuid[])`;
			break;
		case 'course.view':
			rows = await tx<{ id: string }[]>`
				select id::text from public.courses where id = any(${ids}::uuid[])`;
			break;
		case 'course.manage':
			rows = await tx<{ id: string }[]>`
				select id::text from public.courses
				where id = any(${ids}::uuid[])
				  and id = any((select public.may_manage_courses(${ids}::uuid[]))::uuid[])`;
			break;
		case 'course.staff':
			rows = await tx<{ id: string }[]>`
				select id::text from public.courses
				where id = any(${ids}::uuid[])
				  and id = any((select public.may_staff_courses(${ids}::uuid[]))::uuid[])`;
			break;
		case 'group.view':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups where id = any(${ids}::uuid[])`;
			break;
		case 'group.manage':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups
				where id = any(${ids}::uuid[])
				  and id = any((select public.may_manage_groups(${ids}::uuid[]))::uuid[])`;
			break;
		case 'group.manageMembers':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups
				where id = any(${ids}::uuid[])
				  and id = any((select public.may_manage_group_members(${ids}::uuid[]))::uuid[])`;
			break;
		case 'grouping.view':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groupings where id = any(${ids}::uuid[])`;
			break;
		case 'grouping.manage':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groupings
				where id = any(${ids}::uuid[])
				  and id = any((select public.may_manage_groupings(${ids}::uuid[]))::uuid[])`;
			break;
		case 'group.read':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups
				where id = any(${ids}::uuid[])
				  and id = any((select public.may_read_groups(${ids}::uuid[]))::uuid[])`;
			break;
		case 'group.announce':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups
				where id = any(${ids}::uuid[])
				  and id = any((select public.may_announce_in(${ids}::uuid[]))::uuid[])`;
			break;
		case 'group.moderate':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups
				where id = any(${ids}::uuid[])
				  and id = any((select public.may_moderate_groups(${ids}::uuid[]))::uuid[])`;
			break;
		case 'group.progress':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups
				where id = any(${ids}::uuid[])
				  and id = any((select public.may_see_group_progress(${ids}::uuid[]))::uuid[])`;
			break;
	}
	return new Set(rows.map((row) => row.id));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Anonymous visitors act on nothing: the database gives `anon` no private helper to run (a query
 * that needs one is refused), so the domain answers them as it answers anyone without access.
 */
export function requireSignedIn(actor: Actor): NonNullable<Actor> {
	if (!actor) throw notFound();
	return actor;
}

/** Throws the same 404 whether the thing is missing or the user may not touch it. */
export async function requireAccess(
	tx: Tx,
	permission: Permission,
	ids: string | string[]
): Promise<void> {
	const list = Array.isArray(ids) ? ids : [ids];
	if (list.some((id) => !UUID.test(id))) throw notFound();
	const allowed = await allowedIds(tx, permission, list);
	if (list.some((id) => !allowed.has(id.toLowerCase()))) throw notFound();
}

/** What the current user may do with a group, for the UI (public.group_capabilities). */
export type GroupCapabilities = {
	canManage: boolean;
	canManageMembers: boolean;
	canCreateSubgroups: boolean;
	canRead: boolean;
	canAnnounce: boolean;
	canModerate: boolean;
	canSeeProgress: boolean;
	isMember: boolean;
	isLeader: boolean;
};

const noGroupCapabilities: GroupCapabilities = {
	canManage: false,
	canManageMembers: false,
	canCreateSubgroups: false,
	canRead: false,
	canAnnounce: false,
	canModerate: false,
	canSeeProgress: false,
	isMember: false,
	isLeader: false
};

/** One read of every flag for these groups; a group the user cannot see gets no flag set. */
export async function groupCapabilities(
	tx: Tx,
	ids: string[]
): Promise<Map<string, GroupCapabilities>> {
	const rows = await tx<(GroupCapabilities & { groupId: string })[]>`
		select group_id::text as "groupId", can_manage as "canManage",
		       can_manage_members as "canManageMembers", can_create_subgroups as "canCreateSubgroups",
		       can_read as "canRead", can_announce as "canAnnounce", can_moderate as "canModerate",
		       can_see_progress as "canSeeProgress", is_member as "isMember", is_leader as "isLeader"
		from public.group_capabilities(${ids}::uuid[])`;
	const result = new Map(ids.map((id) => [id.toLowerCase(), { ...noGroupCapabilities }]));
	for (const { groupId, ...flags } of rows) result.set(groupId, flags);
	return result;
}

/** The flags of one group (all false if the user cannot see it). */
export async function groupCapabilitiesOf(tx: Tx, id: string): Promise<GroupCapabilities> {
	return (await groupCapabilities(tx, [id])).get(id.toLowerCase()) ?? { ...noGroupCapabilities };
}

/** What the current user may do with a course, for the UI (public.course_capabilities). */
export type CourseCapabilities = { canManage: boolean; canStaff: boolean };

export async function courseCapabilitiesOf(tx: Tx, id: string): Promise<CourseCapabilities> {
	const [row] = await tx<CourseCapabilities[]>`
		select can_manage as "canManage", can_staff as "canStaff"
		from public.course_capabilities(array[${id}::uuid])`;
	return row ?? { canManage: false, canStaff: false };
}

/** What the current user may do with an organisation, for the UI (public.organisation_capabilities). */
export type OrganisationCapabilities = { canManage: boolean; canNameAdmins: boolean };

export async function organisationCapabilitiesOf(
	tx: Tx,
	id: string
): Promise<OrganisationCapabilities> {
	const [row] = await tx<OrganisationCapabilities[]>`
		select can_manage as "canManage", can_name_admins as "canNameAdmins"
		from public.organisation_capabilities(array[${id}::uuid])`;
	return row ?? { canManage: false, canNameAdmins: false };
}
