import { requireAccess } from '$lib/server/access';
import { readAs, type Actor } from '$lib/server/db';

type Row = Record<string, unknown> | null;

export type HistoryEntry = {
	id: string;
	action: string;
	via: string;
	createdAt: Date;
	actorName: string | null;
	subjectName: string | null;
	groupId: string | null;
	groupName: string | null;
	courseCode: string | null;
	/** What happened, in plain language: "Olivia Grant added Maya Zhang as member". */
	summary: string;
};

type RawEntry = Omit<HistoryEntry, 'summary'> & {
	/** A move also says where from and where to, by name (null: the top level). */
	data: { old: Row; new: Row; moved?: { from: string | null; to: string | null } };
};

const SETTING_NAMES: Record<string, string> = {
	name: 'name',
	kind: 'kind',
	idnumber: 'idnumber',
	description: 'description',
	visibility: 'visibility',
	membership_mode: 'membership mode',
	size_limit: 'size limit',
	messaging_enabled: 'messaging',
	leaders_manage_members: 'leader permissions',
	leaders_create_subgroups: 'leader permissions',
	leaders_post_announcements: 'leader permissions',
	leaders_see_progress: 'leader permissions',
	leaders_moderate: 'leader permissions'
};

/**
 * The audit trail of a group and its sub-groups, newest first. RLS decides what the viewer may
 * read (admins of its scope and leaders of it); everyone else gets an empty list.
 */
export function history(
	actor: Actor,
	groupId: string,
	{ limit = 100 }: { limit?: number } = {}
): Promise<HistoryEntry[]> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'group.view', groupId);
		const rows = await tx<RawEntry[]>`
			select e.id::text as id, e.action, e.via, e.data, e.created_at as "createdAt",
			       a.display_name as "actorName", s.display_name as "subjectName",
			       e.group_id as "groupId", coalesce(g.name, e.data -> 'old' ->> 'name') as "groupName",
			       c.code as "courseCode"
			from public.audit_events e
			left join public.users a on a.id = e.actor_id
			left join public.users s on s.id = e.subject_user_id
			left join public.groups g on g.id = e.group_id
			left join public.courses c on c.id = e.course_id
			where e.group_id in (select descendant_id from public.group_closure where ancestor_id = ${groupId})
			order by e.created_at desc, e.id desc
			limit ${Math.min(Math.max(limit, 1), 500)}`;
		return rows.map(({ data, ...row }) => ({
			...row,
			summary: describe({ ...row, data }, groupId)
		}));
	});
}

/** One audit row as a sentence. Exported for tests. */
export function describe(entry: RawEntry, viewedGroupId: string): string {
	const who = entry.actorName ?? (entry.via === 'system' ? 'The system' : 'Someone');
	const subject = entry.subjectName ?? 'someone';
	const before = entry.data?.old ?? {};
	const after = entry.data?.new ?? {};
	const elsewhere =
		entry.groupId && entry.groupId !== viewedGroupId && entry.groupName
			? ` in ${entry.groupName}`
			: '';
	switch (entry.action) {
		case 'group_members.insert':
			if (after.source === 'self') return `${subject} joined${elsewhere}`;
			if (after.source === 'invite') return `${subject} joined${elsewhere} with an invitation`;
			return `${who} added ${subject} as ${after.role ?? 'member'}${elsewhere}`;
		case 'group_members.delete':
			return entry.actorName && entry.actorName === entry.subjectName
				? `${subject} left${elsewhere}`
				: `${who} removed ${subject}${elsewhere}`;
		case 'group_members.update':
			if (before.role !== after.role) return `${who} made ${subject} a ${after.role}${elsewhere}`;
			return `${who} changed the dates of ${subject}’s membership${elsewhere}`;
		case 'groups.insert':
			return entry.groupId === viewedGroupId
				? `${who} created the group`
				: `${who} created the sub-group ${entry.groupName ?? ''}`.trim();
		case 'groups.delete':
			return `${who} deleted the sub-group ${before.name ?? ''}`.trim();
		case 'groups.update': {
			if (before.parent_id !== after.parent_id) {
				const moved = entry.data?.moved;
				const place = (name: string | null | undefined) => (name ? name : 'the top level');
				return moved
					? `${who} moved ${entry.groupName ?? 'the group'} from ${place(moved.from)} to ${place(moved.to)}`
					: `${who} moved ${entry.groupName ?? 'the group'}`;
			}
			const changed = [
				...new Set(
					Object.keys(SETTING_NAMES)
						.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
						.map((key) => SETTING_NAMES[key])
				)
			];
			return `${who} changed the ${changed.join(', ') || 'settings'}${elsewhere}`;
		}
		case 'course_group_links.insert':
			return `${who} linked ${entry.groupName ?? 'the group'} to ${entry.courseCode ?? 'a course'}`;
		case 'course_group_links.delete':
			return `${who} unlinked ${entry.groupName ?? 'the group'} from ${entry.courseCode ?? 'a course'}`;
		case 'course_group_links.update':
			return `${who} changed the link to ${entry.courseCode ?? 'a course'}`;
		case 'group_join_requests.insert':
			return `${subject} asked to join${elsewhere}`;
		case 'group_join_requests.update':
			if (after.status === 'withdrawn') return `${subject} withdrew their request${elsewhere}`;
			return `${who} ${after.status === 'approved' ? 'approved' : 'declined'} ${subject}’s request${elsewhere}`;
		case 'group_invites.insert':
			return after.email
				? `${who} invited ${after.email}${elsewhere}`
				: `${who} created an invitation link${elsewhere}`;
		case 'group_invites.update':
			if (after.revoked_at && !before.revoked_at) {
				return `${who} withdrew an invitation${elsewhere}`;
			}
			return `An invitation was used${elsewhere}`;
		default:
			return `${who}: ${entry.action.replace('.', ' ')}${elsewhere}`;
	}
}
