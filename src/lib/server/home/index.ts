/**
 * What the home page says is new for one person: unread messages per group and channel, unread
 * mentions, recent announcements, activities due or overdue, and what waits for the people who
 * run groups (join requests, recent imports). Everything is read as the person, under RLS: a
 * count never includes a row they could not open.
 */
import { readAs, type Actor } from '$lib/server/db';

export type HomeChannel = { id: string; name: string; unread: number; mentions: number };

export type HomeGroup = {
	id: string;
	name: string;
	kind: string;
	role: 'member' | 'leader';
	/** Where the group lives: the organisation's name or the course's code. */
	placeName: string | null;
	memberCount: number;
	unread: number;
	mentions: number;
	/** Its chat channels with something unread, busiest first. */
	channels: HomeChannel[];
	/** Its general channel (where opening the group lands), if it has chat channels. */
	generalId: string | null;
};

export type HomeMention = {
	messageId: string;
	channelId: string;
	channelName: string;
	groupId: string;
	groupName: string;
	author: string;
	excerpt: string;
	createdAt: Date;
};

export type HomeAnnouncement = {
	id: string;
	title: string;
	groupId: string;
	groupName: string;
	publishAt: Date;
	seen: boolean;
};

export type HomeActivity = {
	id: string;
	title: string;
	courseId: string;
	courseCode: string;
	dueAt: Date;
	overdue: boolean;
};

export type HomeJoinRequests = { groupId: string; groupName: string; count: number; oldest: Date };

export type HomeImport = {
	at: Date;
	actor: string;
	changes: number;
	scope: 'course' | 'organisation' | 'group';
	label: string;
	href: string;
};

export type HomeSummary = {
	groups: HomeGroup[];
	mentions: HomeMention[];
	announcements: HomeAnnouncement[];
	/** Null for people who are not an active learner in any course (nothing can be due from them). */
	activities: HomeActivity[] | null;
	/** Null for people who run nothing; otherwise what waits for them (possibly nothing). */
	waiting: { joinRequests: HomeJoinRequests[]; imports: HomeImport[] } | null;
};

/** Activities due within this many days count as "due soon". */
export const DUE_SOON_DAYS = 7;
/** Announcements published within this many days are "recent". */
export const RECENT_DAYS = 14;

export function summary(actor: NonNullable<Actor>): Promise<HomeSummary> {
	return readAs(actor, async (tx) => {
		const me = actor.id;
		const groups = await tx<
			(Omit<HomeGroup, 'unread' | 'mentions'> & { channels: HomeChannel[] })[]
		>`
			with mine as (
				select g.id, g.name, g.kind, m.role, coalesce(c.code, o.name) as place_name
				from public.current_memberships m
				join public.groups g on g.id = m.group_id
				left join public.organisations o on o.id = g.organisation_id
				left join public.courses c on c.id = g.course_id
				where m.user_id = ${me}
				order by (m.role = 'leader') desc, g.name collate public.natural
				limit 200
			), counted as (
				select ch.group_id, ch.id, ch.name,
				       (select count(*)::int from public.messages msg
				        where msg.channel_id = ch.id and msg.seq > coalesce(r.last_read_seq, 0)
				          and msg.author_id is distinct from ${me}::uuid and msg.deleted_at is null) as unread,
				       (select count(*)::int from public.mentions mm
				        where mm.user_id = ${me}::uuid and mm.channel_id = ch.id
				          and mm.seq > coalesce(r.last_read_seq, 0)) as mentions
				from public.channels ch
				left join public.channel_reads r on r.channel_id = ch.id and r.user_id = ${me}
				where ch.group_id in (select id from mine) and ch.kind = 'chat' and ch.archived_at is null
			)
			select mine.id, mine.name, mine.kind, mine.role, mine.place_name as "placeName",
			       (select count(distinct em.user_id)::int from public.effective_members em
			        where em.group_id = mine.id) as "memberCount",
			       (select k.id from counted k where k.group_id = mine.id
			        order by k.name = 'general' desc, k.name limit 1) as "generalId",
			       coalesce((select json_agg(json_build_object(
			                   'id', k.id, 'name', k.name, 'unread', k.unread, 'mentions', k.mentions)
			                 order by k.mentions desc, k.unread desc, k.name)
			                 from counted k where k.group_id = mine.id and (k.unread > 0 or k.mentions > 0)),
			                '[]') as channels
			from mine
			order by (mine.role = 'leader') desc, mine.name collate public.natural`;

		const mentions = await tx<HomeMention[]>`
			select mm.message_id as "messageId", mm.channel_id as "channelId", ch.name as "channelName",
			       g.id as "groupId", g.name as "groupName",
			       coalesce(u.display_name, 'Former member') as author,
			       left(msg.body, 160) as excerpt, msg.created_at as "createdAt"
			from public.mentions mm
			join public.messages msg on msg.id = mm.message_id and msg.deleted_at is null
			join public.channels ch on ch.id = mm.channel_id
			join public.groups g on g.id = ch.group_id
			left join public.users u on u.id = msg.author_id
			left join public.channel_reads r on r.channel_id = mm.channel_id and r.user_id = ${me}
			where mm.user_id = ${me} and mm.seq > coalesce(r.last_read_seq, 0)
			order by msg.created_at desc
			limit 5`;

		const announcements = await tx<HomeAnnouncement[]>`
			with my_groups as (
				select m.group_id from public.current_memberships m where m.user_id = ${me}
			)
			select a.id, a.title, a.group_id as "groupId", g.name as "groupName",
			       a.publish_at as "publishAt",
			       exists (select 1 from public.announcement_views v
			               where v.announcement_id = a.id and v.user_id = ${me}) as seen
			from public.announcements a
			join public.groups g on g.id = a.group_id
			where a.publish_at <= now() and a.publish_at > now() - make_interval(days => ${RECENT_DAYS})
			  and (a.group_id in (select group_id from my_groups)
			       or (a.include_subgroups and a.group_id in (
			             select c.ancestor_id from public.group_closure c
			             where c.descendant_id in (select group_id from my_groups) and c.depth > 0)))
			order by a.publish_at desc, a.id
			limit 5`;

		// A learner's own open activities with a due date that has passed or comes within a week;
		// RLS leaves out activities restricted to groups they are not in.
		const [{ learns }] = await tx<{ learns: boolean }[]>`
			select exists (select 1 from public.enrolments e where e.user_id = ${me}
			               and e.role = 'learner' and e.status = 'active') as learns`;
		const activities = !learns
			? null
			: await tx<HomeActivity[]>`
			select a.id, a.title, a.course_id as "courseId", co.code as "courseCode", a.due_at as "dueAt",
			       a.due_at < now() as overdue
			from public.activities a
			join public.courses co on co.id = a.course_id
			join public.enrolments e on e.course_id = a.course_id and e.user_id = ${me}
			     and e.role = 'learner' and e.status = 'active'
			where a.due_at is not null
			  and a.due_at < now() + make_interval(days => ${DUE_SOON_DAYS})
			  and not exists (select 1 from public.completions c
			                  where c.activity_id = a.id and c.user_id = ${me} and c.completed_at is not null)
			order by a.due_at, lower(a.title)
			limit 8`;

		// Who runs something: a platform admin, an organisation's admin or a group's leader.
		const [roles] = await tx<{ platformAdmin: boolean; orgAdmin: boolean; leader: boolean }[]>`
			select (select private.is_platform_admin()) as "platformAdmin",
			       exists (select 1 from public.organisation_members om
			               where om.user_id = ${me} and om.role = 'admin') as "orgAdmin",
			       exists (select 1 from public.current_memberships m
			               where m.user_id = ${me} and m.role = 'leader') as leader`;
		const runsSomething = roles.platformAdmin || roles.orgAdmin || roles.leader;
		if (!runsSomething) {
			return { groups: withTotals(groups), mentions, announcements, activities, waiting: null };
		}

		// Pending requests RLS shows: to the groups they manage or lead (everyone's, for a
		// platform admin); their own requests wait for someone else.
		const joinRequests = await tx<HomeJoinRequests[]>`
			select r.group_id as "groupId", g.name as "groupName", count(*)::int as count,
			       min(r.created_at) as oldest
			from public.group_join_requests r
			join public.groups g on g.id = r.group_id
			where r.status = 'pending' and r.user_id <> ${me}
			group by r.group_id, g.name
			order by min(r.created_at)
			limit 10`;

		// CSV imports are all-or-nothing: a failed one changed nothing and left no trace, a
		// finished one wrote its changes to the history in one transaction (one timestamp).
		const imports = await tx<(HomeImport & { targetId: string | null; slug: string | null })[]>`
			with batches as (
				select ev.created_at as at, ev.actor_id, ev.course_id, ev.organisation_id,
				       min(ev.group_id::text)::uuid as group_id, count(*)::int as changes
				from public.audit_events ev
				where ev.via = 'csv' and ev.created_at > now() - interval '7 days'
				group by ev.created_at, ev.actor_id, ev.course_id, ev.organisation_id
				order by ev.created_at desc
				limit 5
			)
			select b.at, coalesce(u.display_name, 'Someone') as actor, b.changes,
			       case when b.course_id is not null then 'course'
			            when b.organisation_id is not null then 'organisation' else 'group' end as scope,
			       coalesce(co.code || ' groups', o.name || ' groups', g.name, 'A group') as label,
			       coalesce(b.course_id, b.organisation_id, b.group_id) as "targetId", o.slug,
			       '' as href
			from batches b
			left join public.users u on u.id = b.actor_id
			left join public.courses co on co.id = b.course_id
			left join public.organisations o on o.id = b.organisation_id and b.course_id is null
			left join public.groups g on g.id = b.group_id
			order by b.at desc`;

		return {
			groups: withTotals(groups),
			mentions,
			announcements,
			activities,
			waiting: {
				joinRequests,
				imports: imports.map(({ targetId, slug, ...row }) => ({
					...row,
					href:
						row.scope === 'course'
							? `/courses/${targetId}/groups`
							: row.scope === 'organisation' && slug
								? `/organisations/${slug}/groups`
								: `/groups/${targetId}/history`
				}))
			}
		};
	});
}

function withTotals(
	groups: (Omit<HomeGroup, 'unread' | 'mentions'> & { channels: HomeChannel[] })[]
): HomeGroup[] {
	return groups.map((group) => ({
		...group,
		unread: group.channels.reduce((sum, channel) => sum + channel.unread, 0),
		mentions: group.channels.reduce((sum, channel) => sum + channel.mentions, 0)
	}));
}
