import { requireAccess } from '$lib/server/access';
import { readAs, type Actor } from '$lib/server/db';
import { parse } from '$lib/server/validate';
import { toCsv } from '$lib/csv';
import { naturalCompare } from '$lib/natural';
import * as schemas from '$lib/schemas/course-groups';

export type OverviewMember = {
	id: string;
	displayName: string;
	email: string | null;
	role: 'member' | 'leader';
};
export type OverviewGroup = {
	id: string;
	name: string;
	idnumber: string | null;
	members: OverviewMember[];
};
export type Overview = {
	groupings: { id: string; name: string; exclusive: boolean; groups: OverviewGroup[] }[];
	/** Groups in no grouping. */
	notInGrouping: OverviewGroup[];
	/** Active participants in no group of the course (without a filter, or with group "none"). */
	notInGroup: { id: string; displayName: string; email: string | null; role: string }[];
};

/**
 * For course staff and admins (as Moodle's groups overview): the course's groups, each grouping with its groups and their
 * direct members, then the groups in no grouping, then the participants in no group. Filtering
 * by a grouping shows that grouping only; by a group, the sections holding that group, with it
 * alone. Grouping "none" shows the groups in no grouping only; group "none" the people in no group.
 */
export async function overview(
	actor: Actor,
	courseId: string,
	filters: unknown = {}
): Promise<Overview> {
	const { groupingId = '', groupId = '' } = parse(schemas.overviewFilters, filters);
	const noGrouping = groupingId === 'none';
	const noGroup = groupId === 'none';
	return readAs(actor, async (tx) => {
		// Staff only: a learner's RLS would hide the groups they cannot see into and list their
		// members under "not in a group", which is wrong rather than private.
		await requireAccess(tx, 'course.staff', courseId);
		const groups = await tx<(Omit<OverviewGroup, 'members'> & { members: OverviewMember[] })[]>`
			with emails as materialized (select * from private.visible_emails())
			select g.id, g.name, g.idnumber,
			       coalesce((
			         select json_agg(json_build_object('id', u.id, 'displayName', u.display_name, 'email', ve.email, 'role', m.role)
			                         order by (m.role = 'leader') desc, lower(u.display_name), u.id)
			         from public.current_memberships m join public.users u on u.id = m.user_id
			         left join emails ve on ve.user_id = u.id
			         where m.group_id = g.id
			       ), '[]'::json) as members
			from public.groups g
			where g.course_id = ${courseId} ${groupId && !noGroup ? tx`and g.id = ${groupId}` : tx``}
			order by g.name collate public.natural, g.id`;
		const groupings = await tx<{ id: string; name: string; exclusive: boolean }[]>`
			select id, name, exclusive from public.groupings
			where course_id = ${courseId} ${groupingId && !noGrouping ? tx`and id = ${groupingId}` : tx``}
			order by name collate public.natural, id`;
		const links = await tx<{ groupingId: string; groupId: string }[]>`
			select gg.grouping_id as "groupingId", gg.group_id as "groupId"
			from public.grouping_groups gg join public.groupings gr on gr.id = gg.grouping_id
			where gr.course_id = ${courseId}`;
		const byId = new Map(groups.map((group) => [group.id, group]));
		const grouped = new Set(links.map((link) => link.groupId));
		const sections =
			noGrouping || noGroup
				? []
				: groupings
						.map((grouping) => ({
							...grouping,
							groups: links
								.filter((link) => link.groupingId === grouping.id && byId.has(link.groupId))
								.map((link) => byId.get(link.groupId)!)
								.sort((a, b) => naturalCompare(a.name, b.name))
						}))
						.filter((section) => !groupId || section.groups.length > 0);
		const notInGrouping =
			(groupingId && !noGrouping) || noGroup
				? []
				: groups.filter((group) => !grouped.has(group.id));
		const notInGroup =
			(groupingId || groupId) && !noGroup
				? []
				: await tx<Overview['notInGroup']>`
					select u.id, u.display_name as "displayName", ve.email, e.role
					from public.enrolments e join public.users u on u.id = e.user_id
					left join private.visible_emails() ve on ve.user_id = u.id
					where e.course_id = ${courseId} and e.status = 'active'
					  and not exists (
					    select 1 from public.current_memberships m join public.groups g on g.id = m.group_id
					    where m.user_id = e.user_id and g.course_id = ${courseId})
					order by lower(u.display_name), u.id`;
		return { groupings: sections, notInGrouping, notInGroup };
	});
}

/** The overview as CSV: one row per membership, then the people in no group. */
export async function overviewCsv(
	actor: Actor,
	courseId: string,
	filters: unknown = {}
): Promise<string> {
	const data = await overview(actor, courseId, filters);
	const rows: unknown[][] = [];
	for (const grouping of data.groupings) {
		for (const group of grouping.groups) {
			for (const member of group.members) {
				rows.push([
					grouping.name,
					group.name,
					group.idnumber,
					member.displayName,
					member.email,
					member.role
				]);
			}
			if (group.members.length === 0) {
				rows.push([grouping.name, group.name, group.idnumber, '', '', '']);
			}
		}
	}
	for (const group of data.notInGrouping) {
		for (const member of group.members) {
			rows.push(['', group.name, group.idnumber, member.displayName, member.email, member.role]);
		}
		if (group.members.length === 0) rows.push(['', group.name, group.idnumber, '', '', '']);
	}
	for (const person of data.notInGroup) {
		rows.push(['', '', '', person.displayName, person.email, '']);
	}
	return toCsv(['grouping', 'group', 'group idnumber', 'name', 'email', 'group role'], rows);
}
