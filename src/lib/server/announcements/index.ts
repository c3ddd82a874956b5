import * as v from 'valibot';
import { requireAccess } from '$lib/server/access';
import {
	asService,
	isPgError,
	PG,
	readAs,
	withUser,
	type Actor,
	type Tx,
	type Via
} from '$lib/server/db';
import { DomainError, invalid, notFound } from '$lib/server/errors';
import { defineQueue } from '$lib/server/jobs/boss';
import { emitToGroup } from '$lib/server/realtime/emit';
import { isUuid, parse } from '$lib/server/validate';
import { dateInRange, uuid } from '$lib/schemas/common';
import * as schemas from '$lib/schemas/announcements';
import { announcementEmail, fanOut } from './email';

export type Announcement = {
	id: string;
	groupId: string;
	groupName: string;
	author: { id: string; displayName: string } | null;
	title: string;
	body: string;
	includeSubgroups: boolean;
	publishAt: Date;
	publishedAt: Date | null;
	pinned: boolean;
	createdAt: Date;
	/** When its title or text last changed after it went out (shown as "edited"). */
	editedAt: Date | null;
	/** Posted in an ancestor group to its sub-groups too. */
	fromAncestor: boolean;
	/** Scheduled for later: only those who may post announcements see it yet. */
	scheduled: boolean;
	/** Whether the viewer has marked it seen. */
	seen: boolean;
	/** Whether the viewer may pin, unpin, delete it and see who has seen it. */
	canManage: boolean;
};

export type Feed = { items: Announcement[]; hasMore: boolean; canPost: boolean };

export type SeenBy = {
	seen: number;
	audience: number;
	people: { id: string; displayName: string; seenAt: Date | null }[];
};

type PublishJob = { announcementId: string; origin?: string | null };

/** Goes out at publish_at: live to the group's sockets, then the email fan-out. */
export const publishQueue = defineQueue<PublishJob>({ name: 'announcement-publish' });
/** Emails one announcement to its audience; retried jobs skip whoever was already emailed. */
export const emailQueue = defineQueue<PublishJob>({ name: 'announcement-email' });
/** Once a minute: anything due whose publish job was lost (a crash between commit and send). */
export const sweepQueue = defineQueue<object>({ name: 'announcement-sweep', policy: 'singleton' });

const columns = (tx: Tx, feedGroupId: string | null) => tx`
	a.id, a.group_id as "groupId", g.name as "groupName",
	case when u.id is null then null else json_build_object('id', u.id, 'displayName', u.display_name) end as author,
	a.title, a.body, a.include_subgroups as "includeSubgroups", a.publish_at as "publishAt",
	a.published_at as "publishedAt", a.pinned, a.created_at as "createdAt", a.edited_at as "editedAt",
	${feedGroupId ? tx`a.group_id <> ${feedGroupId}` : tx`false`} as "fromAncestor",
	a.publish_at > now() as scheduled,
	exists (select 1 from public.announcement_views w
	        where w.announcement_id = a.id and w.user_id = (select auth.uid())) as seen,
	a.group_id = any((select public.may_announce_in(${
		// A feed's rows come from its group and its ancestors: their flags are read once.
		feedGroupId
			? tx`array(select ancestor_id from public.group_closure where descendant_id = ${feedGroupId})`
			: tx`array[a.group_id]`
	}))::uuid[]) as "canManage"`;

export const feedQuery = v.object({
	limit: v.optional(
		v.pipe(
			v.union(
				[v.number(), v.pipe(v.string(), v.regex(/^\d{1,3}$/), v.transform(Number))],
				'limit must be a number.'
			),
			v.integer(),
			v.minValue(1, 'limit must be at least 1.'),
			v.maxValue(100, 'limit is at most 100.')
		),
		30
	),
	before: v.optional(
		v.pipe(
			v.string('before must be a date and time.'),
			v.transform((value) => new Date(value)),
			v.check((date) => !Number.isNaN(date.getTime()), 'before must be a date and time.'),
			dateInRange<Date>()
		)
	)
});

/**
 * The announcements feed of a group: its own, and those of its ancestors posted to sub-groups
 * too. Pinned first, then newest first; `before` pages back by publish time (pinned ones are on
 * the first page only).
 */
export async function list(actor: Actor, groupId: string, query: unknown = {}): Promise<Feed> {
	const { limit, before } = parse(feedQuery, query);
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'group.read', groupId);
		const rows = await tx<Announcement[]>`
			select ${columns(tx, groupId)}
			from public.announcements a
			join public.groups g on g.id = a.group_id
			left join public.users u on u.id = a.author_id
			where (a.group_id = ${groupId}
			       or (a.include_subgroups and a.group_id in (
			             select ancestor_id from public.group_closure where descendant_id = ${groupId} and depth > 0)))
			  ${before ? tx`and not a.pinned and a.publish_at < ${before}` : tx``}
			order by a.pinned desc, a.publish_at desc, a.id
			limit ${limit + 1}`;
		const [{ canPost }] = await tx<{ canPost: boolean }[]>`
			select ${groupId}::uuid = any(public.may_announce_in(array[${groupId}::uuid])) as "canPost"`;
		return { items: rows.slice(0, limit), hasMore: rows.length > limit, canPost };
	});
}

async function fetchOne(tx: Tx, id: string): Promise<Announcement | undefined> {
	const [row] = await tx<Announcement[]>`
		select ${columns(tx, null)}
		from public.announcements a
		join public.groups g on g.id = a.group_id
		left join public.users u on u.id = a.author_id
		where a.id = ${id}`;
	return row;
}

/** One announcement the viewer may read. */
export async function get(actor: Actor, id: string): Promise<Announcement> {
	const found = await readAs(actor, (tx) => fetchOne(tx, id));
	if (!found) throw notFound();
	return found;
}

/** Allowed slack for a publishAt a moment in the past (clocks, form round trips). */
const PAST_SLACK_MS = 5 * 60 * 1000;
const MAX_AHEAD_MS = 366 * 24 * 60 * 60 * 1000;

/** Posting and rescheduling both stop at a year ahead. */
function refuseTooFarAhead(publishAt: Date | null | undefined, now = Date.now()) {
	if (publishAt && publishAt.getTime() > now + MAX_AHEAD_MS) {
		throw invalid('Schedule an announcement at most a year ahead.', [
			{ path: 'publishAt', message: 'Choose a time within the next year.' }
		]);
	}
}

/**
 * Posts an announcement (admins, and leaders where the group lets them). Without publishAt, or
 * with one now or just past, it goes out at once; otherwise at publishAt, by a job.
 */
export async function create(
	actor: Actor,
	groupId: string,
	input: unknown,
	via: Via = 'app',
	{ origin }: { origin?: string } = {}
): Promise<Announcement> {
	const data = parse(schemas.announcementCreate, input);
	const now = Date.now();
	if (data.publishAt && data.publishAt.getTime() < now - PAST_SLACK_MS) {
		throw invalid('The publishing time is in the past. Leave it empty to publish now.', [
			{ path: 'publishAt', message: 'Choose a time in the future, or leave it empty.' }
		]);
	}
	refuseTooFarAhead(data.publishAt, now);
	const scheduled = data.publishAt !== null && data.publishAt.getTime() > now;
	let created: Announcement;
	try {
		created = await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'group.announce', groupId);
				const [row] = await tx<{ id: string }[]>`
					insert into public.announcements (group_id, author_id, title, body, include_subgroups, pinned, publish_at)
					values (${groupId}, ${actor!.id}, ${data.title}, ${data.body}, ${data.includeSubgroups},
					        ${data.pinned}, ${scheduled ? data.publishAt : tx`now()`})
					returning id`;
				return (await fetchOne(tx, row.id))!;
			},
			via
		);
	} catch (error) {
		if (isPgError(error, PG.insufficientPrivilege)) throw notFound();
		if (isPgError(error, PG.checkViolation) && error.hint === 'learner_group') {
			throw new DomainError(409, 'learner_group', error.message);
		}
		throw error;
	}
	const job = { announcementId: created.id, origin: origin ?? null };
	if (scheduled) {
		// Committed already: if the queue cannot take the job now, the minutely sweep publishes it.
		await publishQueue
			.send(job, { startAfter: created.publishAt, singletonKey: created.id })
			.catch((error) => console.error('Announcement publish job not queued', error));
	} else {
		// Out at once from this process; the minutely sweep retries if this process dies first.
		await publish(job).catch((error) => console.error('Announcement publish failed', error));
	}
	return created;
}

/**
 * Sends an announcement out, once it is due: marks it published, pushes it to the sockets of its
 * group, and queues the email fan-out. A second
 * run finds it published and does nothing.
 */
export async function publish({ announcementId, origin }: PublishJob): Promise<void> {
	const due = await asService(async (tx) => {
		const [row] = await tx<{ id: string; publishAt: Date }[]>`
			update public.announcements set published_at = now()
			where id = ${announcementId} and published_at is null and publish_at <= now()
			returning id, publish_at as "publishAt"`;
		if (!row) return null;
		return (await fetchOne(tx, row.id))!;
	}, 'system');
	if (!due) {
		const [pending] = await asService(
			(tx) => tx<{ publishAt: Date }[]>`
				select publish_at as "publishAt" from public.announcements
				where id = ${announcementId} and published_at is null`
		);
		// Moved later (or the job ran early): try again at the new time.
		if (pending && pending.publishAt.getTime() > Date.now()) {
			await publishQueue.send({ announcementId, origin }, { startAfter: pending.publishAt });
		}
		return;
	}
	const announcement = due;
	const payload = {
		...announcement,
		author: announcement.author ?? { id: '', displayName: 'Someone' },
		publishAt: announcement.publishAt.toISOString(),
		publishedAt: (announcement.publishedAt ?? new Date()).toISOString(),
		createdAt: announcement.createdAt.toISOString(),
		seen: false,
		canManage: false,
		scheduled: false
	};
	// The group's room holds everyone in its subtree too (membership flows up; leaders and admins
	// of sub-groups are members or staff of it), so one emit reaches an announcement to sub-groups.
	emitToGroup(announcement.groupId, 'announcement:new', payload);
	await emailQueue.send({ announcementId, origin }, { singletonKey: announcementId });
}

/** The email fan-out job: every member of the audience who wants announcements by email. */
export async function emailAudience({ announcementId, origin }: PublishJob): Promise<number> {
	return fanOut(announcementId, (recipient, announcement) =>
		announcementEmail({
			...announcement,
			to: recipient.email,
			origin: origin ?? process.env.ORIGIN ?? null
		})
	);
}

/** The sweep job: publishes anything due whose job went missing. */
export async function publishOverdue(): Promise<number> {
	const overdue = await asService(
		(tx) => tx<{ id: string }[]>`
			select id from public.announcements
			where published_at is null and publish_at <= now() - interval '30 seconds'
			order by publish_at limit 100`
	);
	for (const { id } of overdue) await publish({ announcementId: id });
	return overdue.length;
}

export const idList = v.pipe(
	v.array(uuid, 'Send the ids of the announcements as a list.'),
	v.minLength(1, 'Send at least one announcement id.'),
	v.maxLength(200, 'Mark at most 200 announcements at a time.')
);

/** Marks announcements as seen by the viewer; ids they cannot read are ignored. */
export async function markSeen(actor: Actor, ids: unknown): Promise<{ marked: number }> {
	const list = parse(idList, ids);
	if (!actor) throw notFound();
	const rows = await withUser(
		actor,
		(tx) => tx`
			insert into public.announcement_views (announcement_id, user_id)
			select a.id, ${actor.id} from public.announcements a
			where a.id = any(${list}::uuid[]) and a.publish_at <= now()
			on conflict do nothing`
	);
	return { marked: rows.count };
}

/** "Seen by N of M", and who: for those who may post announcements in its group. */
export async function seenBy(actor: Actor, id: string): Promise<SeenBy> {
	return readAs(actor, async (tx) => {
		const [announcement] = await tx<
			{ groupId: string; includeSubgroups: boolean; authorId: string | null }[]
		>`
			select group_id as "groupId", include_subgroups as "includeSubgroups", author_id as "authorId"
			from public.announcements where id = ${id}`;
		if (!announcement) throw notFound();
		await requireAccess(tx, 'group.announce', announcement.groupId);
		const people = await tx<{ id: string; displayName: string; seenAt: Date | null }[]>`
			with audience as (
				select distinct m.user_id from public.current_memberships m
				where m.group_id in (
				    ${
							announcement.includeSubgroups
								? tx`select descendant_id from public.group_closure where ancestor_id = ${announcement.groupId}`
								: tx`select ${announcement.groupId}::uuid`
						})
			)
			select u.id, u.display_name as "displayName", w.seen_at as "seenAt"
			from audience a join public.users u on u.id = a.user_id
			left join public.announcement_views w on w.announcement_id = ${id} and w.user_id = u.id
			where u.id is distinct from ${announcement.authorId}::uuid
			order by w.seen_at is null, u.display_name`;
		return {
			seen: people.filter((person) => person.seenAt !== null).length,
			audience: people.length,
			people
		};
	});
}

/** Pins or unpins an announcement (pinned ones lead the feed). */
export async function setPinned(
	actor: Actor,
	id: string,
	input: unknown,
	via: Via = 'app'
): Promise<Announcement> {
	const { pinned } = parse(schemas.announcementPin, input);
	return edit(actor, id, { pinned }, via);
}

/**
 * Edits an announcement (those who may post in its group): its title and text, while it is still
 * scheduled its time, and whether it is pinned. Members see an edit of one that has gone out live, marked "edited";
 * emails already sent stay as they were.
 */
export async function edit(
	actor: Actor,
	id: string,
	input: unknown,
	via: Via = 'app',
	{ origin }: { origin?: string } = {}
): Promise<Announcement> {
	if (!isUuid(id)) throw notFound();
	const data = parse(schemas.announcementEdit, input);
	refuseTooFarAhead(data.publishAt);
	let edited: Announcement;
	try {
		edited = await withUser(
			actor,
			async (tx) => {
				const changed = await tx`
					update public.announcements set
						title = coalesce(${data.title ?? null}, title),
						body = coalesce(${data.body ?? null}, body),
						publish_at = coalesce(${data.publishAt ?? null}::timestamptz, publish_at),
						pinned = coalesce(${data.pinned ?? null}::boolean, pinned)
					where id = ${id}`;
				if (changed.count === 0) throw notFound();
				return (await fetchOne(tx, id))!;
			},
			via
		);
	} catch (error) {
		if (isPgError(error, PG.checkViolation) && error.hint === 'published') {
			throw new DomainError(409, 'published', error.message, [
				{ path: 'publishAt', message: 'It has gone out already.' }
			]);
		}
		if (isPgError(error, PG.checkViolation) && error.hint === 'past') {
			throw invalid(error.message, [{ path: 'publishAt', message: 'Choose a time ahead.' }]);
		}
		if (isPgError(error, PG.insufficientPrivilege)) throw notFound();
		throw error;
	}
	if (data.publishAt && edited.scheduled) {
		// The job queued for the old time finds it not yet due and waits again; this one is for an
		// earlier time (no singleton key: the old job still holds it).
		await publishQueue
			.send({ announcementId: id, origin: origin ?? null }, { startAfter: edited.publishAt })
			.catch((error) => console.error('Announcement publish job not queued', error));
	}
	if (edited.publishedAt) {
		emitToGroup(edited.groupId, 'announcement:updated', {
			id: edited.id,
			groupId: edited.groupId,
			title: edited.title,
			body: edited.body,
			editedAt: edited.editedAt?.toISOString() ?? null
		});
	}
	return edited;
}

/** Deletes an announcement (those who may post in its group). */
export async function remove(actor: Actor, id: string, via: Via = 'app'): Promise<void> {
	if (!isUuid(id)) throw notFound();
	const deleted = await withUser(
		actor,
		(tx) => tx`delete from public.announcements where id = ${id}`,
		via
	);
	if (deleted.count === 0) throw notFound();
}

/** Whether the viewer wants announcements by email. */
export async function emailPreference(actor: NonNullable<Actor>): Promise<boolean> {
	const [row] = await readAs(
		actor,
		(tx) =>
			tx<
				{ on: boolean }[]
			>`select email_announcements as on from public.users where id = ${actor.id}`
	);
	if (!row) throw notFound();
	return row.on;
}

/** Turns "email me announcements" on or off for the viewer. */
export async function setEmailPreference(
	actor: NonNullable<Actor>,
	input: unknown,
	via: Via = 'app'
): Promise<boolean> {
	const { emailAnnouncements } = parse(v.object({ emailAnnouncements: schemas.flag }), input);
	const updated = await withUser(
		actor,
		(tx) =>
			tx`update public.users set email_announcements = ${emailAnnouncements} where id = ${actor.id}`,
		via
	);
	if (updated.count === 0) throw new DomainError(404, 'not_found', 'Your account was not found.');
	return emailAnnouncements;
}
