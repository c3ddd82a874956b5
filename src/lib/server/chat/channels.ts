/** Channels of a group: listing them, finding a channel's group, creating and archiving them. */
import type { Channel } from '$lib/realtime/types';
import { isPgError, PG, readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { emitToChannel, emitToGroup } from '$lib/server/realtime/emit';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/chat';
import { requireActor } from './rows';

type ChannelRow = Omit<Channel, 'archivedAt'> & { archivedAt: Date | null };

const channelColumns = (tx: Tx, userId: string) => tx`
	c.id, c.group_id as "groupId", c.name, c.kind, c.archived_at as "archivedAt",
	c.last_seq::float8 as "lastSeq", c.last_change::float8 as "lastChange",
	coalesce(r.last_read_seq, 0)::float8 as "lastReadSeq",
	(select count(*)::int from public.messages m
	 where m.channel_id = c.id and m.seq > coalesce(r.last_read_seq, 0)
	   and m.author_id is distinct from ${userId}::uuid and m.deleted_at is null
	   and (m.thread_root_id is null or m.also_in_channel)) as unread,
	(select count(*)::int from public.mentions mm
	 where mm.user_id = ${userId}::uuid and mm.channel_id = c.id and mm.seq > coalesce(r.last_read_seq, 0)) as mentions,
	-- The send trigger's and the insert policy's own rule (a visible-mode reader sees other course
	-- groups' channels but posts only in their own).
	private.can_post_in_row(c::public.channels) as "canPost",
	c.group_id = any((select public.may_moderate_groups(array[c.group_id]))::uuid[]) as "canModerate"`;

function toChannel(row: ChannelRow): Channel {
	return { ...row, archivedAt: row.archivedAt?.toISOString() ?? null };
}

/** The channels of a group the actor may read, announcements first, then by name. */
export async function listChannels(actor: Actor, groupId: string): Promise<Channel[]> {
	const user = requireActor(actor);
	if (!isUuid(groupId)) throw notFound();
	const rows = await readAs(
		user,
		(tx) => tx<ChannelRow[]>`
			select ${channelColumns(tx, user.id)}
			from public.channels c
			left join public.channel_reads r on r.channel_id = c.id and r.user_id = ${user.id}
			where c.group_id = ${groupId}
			order by c.kind = 'announcements' desc, c.name = 'general' desc, c.name`
	);
	return rows.map(toChannel);
}

/** One channel the actor may read, with their position in it. */
export async function getChannel(actor: Actor, channelId: string): Promise<Channel> {
	const user = requireActor(actor);
	if (!isUuid(channelId)) throw notFound();
	const [row] = await readAs(
		user,
		(tx) => tx<ChannelRow[]>`
			select ${channelColumns(tx, user.id)}
			from public.channels c
			left join public.channel_reads r on r.channel_id = c.id and r.user_id = ${user.id}
			where c.id = ${channelId}`
	);
	if (!row) throw notFound();
	return toChannel(row);
}

/**
 * The group of a channel the actor may read, null for a direct conversation (cached by the socket
 * layer: a channel never moves).
 */
export async function channelGroup(actor: Actor, channelId: string): Promise<string | null> {
	const user = requireActor(actor);
	if (!isUuid(channelId)) throw notFound();
	const [row] = await readAs(
		user,
		(tx) => tx<{ groupId: string | null }[]>`
			select group_id as "groupId" from public.channels where id = ${channelId}`
	);
	if (!row) throw notFound();
	return row.groupId;
}

/** Moderators (leaders who moderate, admins) add chat channels to a group. */
export async function createChannel(
	actor: Actor,
	groupId: string,
	name: unknown,
	via: Via = 'app'
): Promise<Channel> {
	const user = requireActor(actor);
	if (!isUuid(groupId)) throw notFound();
	const data = parse(schemas.createChannel, { name });
	const channel = await withUser(
		user,
		async (tx) => {
			const [visible] = await tx`select 1 from public.channels where group_id = ${groupId} limit 1`;
			if (!visible) throw notFound();
			const [row] = await tx<ChannelRow[]>`
				with created as (
					insert into public.channels (group_id, name, kind, created_by)
					values (${groupId}, ${data.name}, 'chat', ${user.id})
					returning *
				)
				select ${channelColumns(tx, user.id)}
				from created c left join public.channel_reads r on false`;
			return toChannel(row);
		},
		via
	).catch((error) => {
		if (isPgError(error, PG.uniqueViolation)) {
			throw new DomainError(
				409,
				'conflict',
				`This group already has a channel called #${data.name}.`,
				[{ path: 'name', message: 'That name is taken in this group.' }]
			);
		}
		if (isPgError(error, PG.insufficientPrivilege)) {
			throw new DomainError(403, 'forbidden', 'Only leaders and admins add channels.');
		}
		throw error;
	});
	emitToGroup(groupId, 'channel:created', {
		...channel,
		unread: 0,
		mentions: 0,
		canModerate: false
	});
	return channel;
}

/** Moderators archive a chat channel (it keeps its history, takes no new messages), or restore it. */
export async function archiveChannel(
	actor: Actor,
	channelId: string,
	archived = true,
	via: Via = 'app'
): Promise<Channel> {
	const user = requireActor(actor);
	if (!isUuid(channelId)) throw notFound();
	const channel = await withUser(
		user,
		async (tx) => {
			const [current] = await tx<{ kind: string }[]>`
				select kind from public.channels where id = ${channelId}`;
			if (!current) throw notFound();
			if (current.kind !== 'chat') {
				throw new DomainError(409, 'conflict', 'The announcements channel cannot be archived.');
			}
			const updated = await tx`
				update public.channels set archived_at = ${archived ? tx`now()` : null}
				where id = ${channelId} returning id`;
			if (updated.length === 0) {
				throw new DomainError(403, 'forbidden', 'Only leaders and admins archive channels.');
			}
			const [row] = await tx<ChannelRow[]>`
				select ${channelColumns(tx, user.id)}
				from public.channels c
				left join public.channel_reads r on r.channel_id = c.id and r.user_id = ${user.id}
				where c.id = ${channelId}`;
			return toChannel(row);
		},
		via
	);
	emitToChannel({ groupId: channel.groupId, channelId: channel.id }, 'channel:updated', {
		...channel,
		lastReadSeq: 0,
		unread: 0,
		mentions: 0,
		canModerate: false
	});
	return channel;
}
