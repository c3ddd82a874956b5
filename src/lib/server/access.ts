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

/** Which of `ids` the current transaction's user holds `permission` on. */
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
				  and ((select private.is_platform_admin()) or id in (select private.admin_organisation_ids()))`;
			break;
		case 'course.view':
			rows = await tx<{ id: string }[]>`
				select id::text from public.courses where id = any(${ids}::uuid[])`;
			break;
		case 'course.manage':
			rows = await tx<{ id: string }[]>`
				select id::text from public.courses
				where id = any(${ids}::uuid[])
				  and ((select private.is_platform_admin()) or id in (select private.managed_course_ids()))`;
			break;
		case 'course.staff':
			rows = await tx<{ id: string }[]>`
				select id::text from public.courses
				where id = any(${ids}::uuid[])
				  and ((select private.is_platform_admin()) or id in (select private.staffed_course_ids()))`;
			break;
		case 'group.view':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups where id = any(${ids}::uuid[])`;
			break;
		case 'group.manage':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups
				where id = any(${ids}::uuid[])
				  and ((select private.is_platform_admin()) or id in (select private.managed_group_ids()))`;
			break;
		case 'group.manageMembers':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups
				where id = any(${ids}::uuid[])
				  and ((select private.is_platform_admin()) or id in (select private.managed_group_ids())
				       or id in (select private.leader_managed_group_ids()))`;
			break;
		case 'grouping.view':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groupings where id = any(${ids}::uuid[])`;
			break;
		case 'grouping.manage':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groupings
				where id = any(${ids}::uuid[])
				  and ((select private.is_platform_admin()) or course_id in (select private.managed_course_ids()))`;
			break;
		case 'group.read':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups
				where id = any(${ids}::uuid[])
				  and ((select private.is_platform_admin()) or id = any(private.readable_group_ids_array()))`;
			break;
		case 'group.announce':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups
				where id = any(${ids}::uuid[])
				  and ((select private.is_platform_admin()) or id = any(private.announcer_group_ids_array()))`;
			break;
		case 'group.moderate':
			rows = await tx<{ id: string }[]>`
				select id::text from public.groups
				where id = any(${ids}::uuid[])
				  and ((select private.is_platform_admin()) or id = any(private.moderated_group_ids_array()))`;
			break;
		case 'group.progress':
			// Staff of the group's course or organisation, and leaders of it or an ancestor that
			// lets its leaders see progress.
			rows = await tx<{ id: string }[]>`
				select g.id::text from public.groups g
				where g.id = any(${ids}::uuid[])
				  and ((select private.is_platform_admin()) or g.id in (select private.managed_group_ids())
				       or g.course_id in (select private.staffed_course_ids())
				       or exists (
				         select 1 from public.group_closure c
				         join public.group_members l on l.group_id = c.ancestor_id
				         join public.groups lg on lg.id = c.ancestor_id
				         where c.descendant_id = g.id and l.user_id = (select auth.uid()) and l.role = 'leader'
				           and lg.leaders_see_progress and l.valid_from <= now() and l.valid_until > now()))`;
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
