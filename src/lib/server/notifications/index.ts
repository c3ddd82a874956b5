import type { NotificationItem } from '$lib/realtime/types';
import {
	choicesFor,
	DELIVERY_LABELS,
	KIND_LABELS,
	listQuery,
	markRead as markReadSchema,
	NOTIFICATION_KINDS,
	preferencesUpdate,
	type Delivery,
	type NotificationKind
} from '$lib/schemas/notifications';
import { asService, readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { emitToUser } from '$lib/server/realtime/emit';
import { parse } from '$lib/server/validate';

export { sendDigests, sendDue, unsubscribe, unsubscribeTarget } from './email';
export { digestQueue, emailQueue, emailSweepQueue, listenForNotifications } from './jobs';

/**
 * One inbox per person. Notifications are written by the database where the fact is written
 * (supabase/schemas/13_notifications.sql), so this module only reads them, marks them read and
 * keeps the preferences; RLS shows each person their own rows only.
 */

export type Inbox = { items: NotificationItem[]; unread: number; hasMore: boolean };

export type Preference = {
	kind: NotificationKind;
	label: string;
	delivery: Delivery;
	choices: { value: Delivery; label: string }[];
};

const columns = (tx: Tx) => tx`
	n.id, n.kind, n.title, n.summary, n.link, n.group_id as "groupId", n.course_id as "courseId",
	n.created_at as "createdAt", n.read_at as "readAt",
	case when n.actor_id is null then null
	     else json_build_object('id', n.actor_id, 'displayName', coalesce(
	       (select u.display_name from public.users u where u.id = n.actor_id), 'Former member')) end as actor`;

type Row = Omit<NotificationItem, 'createdAt' | 'readAt'> & {
	createdAt: Date;
	readAt: Date | null;
};

const toItem = (row: Row): NotificationItem => ({
	...row,
	createdAt: row.createdAt.toISOString(),
	readAt: row.readAt?.toISOString() ?? null
});

const unreadOf = (tx: Tx, userId: string) =>
	tx<{ count: number }[]>`
		select count(*)::int as count from public.notifications
		where user_id = ${userId} and read_at is null`.then(([row]) => row.count);

/** The actor's notifications, newest first, a page at a time (`before`: the last id seen). */
export function list(actor: NonNullable<Actor>, query: unknown = {}): Promise<Inbox> {
	const data = parse(listQuery, query);
	const limit = data.limit ?? 30;
	return readAs(actor, async (tx) => {
		const rows = await tx<Row[]>`
			select ${columns(tx)} from public.notifications n
			where n.user_id = ${actor.id}
			  ${data.unread === 'true' ? tx`and n.read_at is null` : tx``}
			  ${
					data.before
						? tx`and (n.created_at, n.id) < (
								select b.created_at, b.id from public.notifications b where b.id = ${data.before})`
						: tx``
				}
			order by n.created_at desc, n.id desc
			limit ${limit + 1}`;
		return {
			items: rows.slice(0, limit).map(toItem),
			unread: await unreadOf(tx, actor.id),
			hasMore: rows.length > limit
		};
	});
}

/** How many notifications the actor has not read (the bell's number). */
export function unreadCount(actor: NonNullable<Actor>): Promise<number> {
	return readAs(actor, (tx) => unreadOf(tx, actor.id));
}

/**
 * Marks notifications read: `{ ids }` (ids that are not the actor's change nothing) or
 * `{ all: true }`. The actor's other devices hear of it.
 */
export async function markRead(
	actor: NonNullable<Actor>,
	input: unknown,
	via: Via = 'app'
): Promise<{ marked: number; unread: number }> {
	const data = parse(markReadSchema, input);
	const result = await withUser(
		actor,
		async (tx) => {
			const marked = await tx`
				update public.notifications set read_at = now()
				where user_id = ${actor.id} and read_at is null
				  ${data.ids ? tx`and id = any(${data.ids}::uuid[])` : tx``}`;
			return { marked: marked.count, unread: await unreadOf(tx, actor.id) };
		},
		via
	);
	emitToUser(actor.id, 'notification:read', {
		ids: data.ids ?? 'all',
		unread: result.unread
	});
	return result;
}

/** Each kind with the actor's delivery (their choice, else the default the database gives). */
export function preferences(actor: NonNullable<Actor>): Promise<Preference[]> {
	return readAs(actor, async (tx) => {
		const chosen = await tx<{ kind: NotificationKind; delivery: Delivery }[]>`
			select kind, delivery from public.notification_preferences where user_id = ${actor.id}`;
		const defaults = await asService(
			(service) => service<{ kind: NotificationKind; delivery: Delivery }[]>`
				select k as kind, private.notification_delivery(null, k) as delivery
				from unnest(${NOTIFICATION_KINDS as unknown as string[]}::text[]) k`
		);
		return NOTIFICATION_KINDS.map((kind) => ({
			kind,
			label: KIND_LABELS[kind],
			delivery:
				chosen.find((row) => row.kind === kind)?.delivery ??
				defaults.find((row) => row.kind === kind)!.delivery,
			choices: choicesFor(kind).map((value) => ({ value, label: DELIVERY_LABELS[value] }))
		}));
	});
}

/** Sets the delivery of the kinds given (`{ mention: 'digest', … }`); the others stay. */
export async function setPreferences(
	actor: NonNullable<Actor>,
	input: unknown,
	via: Via = 'app'
): Promise<Preference[]> {
	const data = parse(preferencesUpdate, input);
	const entries = Object.entries(data).filter(([, value]) => value !== undefined) as [
		NotificationKind,
		Delivery
	][];
	if (entries.length > 0) {
		await withUser(
			actor,
			(tx) => tx`
				insert into public.notification_preferences (user_id, kind, delivery)
				select ${actor.id}, kind, delivery
				from unnest(${entries.map(([kind]) => kind)}::text[], ${entries.map(([, d]) => d)}::text[])
				  as chosen(kind, delivery)
				on conflict (user_id, kind) do update
				set delivery = excluded.delivery, updated_at = now()`,
			via
		);
	}
	return preferences(actor);
}

/** The notifications with these ids as their recipients' sockets receive them (system). */
export function forBroadcast(
	ids: string[]
): Promise<{ userId: string; notification: NotificationItem; unread: number }[]> {
	return asService(async (tx) => {
		const rows = await tx<(Row & { userId: string; unread: number })[]>`
			select ${columns(tx)}, n.user_id as "userId",
			       (select count(*)::int from public.notifications u
			        where u.user_id = n.user_id and u.read_at is null) as unread
			from public.notifications n where n.id = any(${ids}::uuid[])
			order by n.created_at, n.id`;
		return rows.map(({ userId, unread, ...row }) => ({
			userId,
			unread,
			notification: toItem(row)
		}));
	});
}
