import * as v from 'valibot';
import type { Attachment, CatchUp, Channel, Message, Person, Reaction } from '$lib/realtime/types';
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
import { DomainError, notFound } from '$lib/server/errors';
import { emitToGroup, emitToUser } from '$lib/server/realtime/emit';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/chat';
import { RateLimiter } from './rate-limit';

export type { Channel, Message, Reaction } from '$lib/realtime/types';

/** Sends per person: a burst, then a steady rate (decisions.md, Chat rate limit). */
export const sendLimiter = new RateLimiter(
	Number(process.env.CHAT_RATE_BURST ?? 20),
	Number(process.env.CHAT_RATE_PER_SECOND ?? 5)
);

const CATCHUP_PAGE = 200;
/** More changed messages than this since a client's cursor: it reloads its newest page instead. */
const CHANGES_PAGE = 500;
const SEARCH_LIMIT = 50;

type MessageRow = {
	id: string;
	channelId: string;
	groupId: string;
	seq: number;
	authorId: string | null;
	authorName: string;
	clientId: string;
	body: string;
	attachmentId: string | null;
	editedAt: Date | null;
	deletedAt: Date | null;
	createdAt: Date;
};

const messageColumns = (tx: Tx) => tx`
	m.id, m.channel_id as "channelId", m.group_id as "groupId", m.seq::float8 as seq,
	m.author_id as "authorId", m.author_name as "authorName", m.client_id as "clientId", m.body,
	m.attachment_resource_id as "attachmentId", m.edited_at as "editedAt",
	m.deleted_at as "deletedAt", m.created_at as "createdAt"`;

function requireActor(actor: Actor): NonNullable<Actor> {
	if (!actor) throw new DomainError(401, 'unauthenticated', 'Sign in first.');
	return actor;
}

/** Reactions of `messageIds`, as `viewerId` sees them. */
async function reactionsOf(
	tx: Tx,
	messageIds: string[],
	viewerId: string
): Promise<Map<string, Reaction[]>> {
	const byMessage = new Map<string, Reaction[]>();
	if (messageIds.length === 0) return byMessage;
	const rows = await tx<{ messageId: string; emoji: string; userIds: string[] }[]>`
		select message_id as "messageId", emoji, array_agg(user_id::text order by created_at) as "userIds"
		from public.message_reactions where message_id = any(${messageIds}::uuid[])
		group by message_id, emoji order by min(created_at)`;
	for (const row of rows) {
		const list = byMessage.get(row.messageId) ?? [];
		list.push({
			emoji: row.emoji,
			count: row.userIds.length,
			mine: row.userIds.includes(viewerId),
			userIds: row.userIds
		});
		byMessage.set(row.messageId, list);
	}
	return byMessage;
}

/** Attached resources the viewer may read; resources live in their own module's table. */
async function attachmentsOf(tx: Tx, ids: string[]): Promise<Map<string, Attachment>> {
	const byId = new Map<string, Attachment>();
	if (ids.length === 0) return byId;
	const rows = await tx<Attachment[]>`
		select id, coalesce(filename, title) as filename, coalesce(content_type, 'text/uri-list') as "contentType",
		       coalesce(size_bytes, 0)::float8 as size
		from public.resources where id = any(${ids}::uuid[])`;
	for (const row of rows) byId.set(row.id, row);
	return byId;
}

async function toMessages(tx: Tx, rows: MessageRow[], viewerId: string): Promise<Message[]> {
	const live = rows.filter((row) => !row.deletedAt);
	const reactions = await reactionsOf(
		tx,
		live.map((row) => row.id),
		viewerId
	);
	const attachmentIds = [
		...new Set(live.map((row) => row.attachmentId).filter((id): id is string => !!id))
	];
	const attachments = await attachmentsOf(tx, attachmentIds);
	return rows.map((row) => toMessage(row, reactions.get(row.id) ?? [], attachments));
}

function toMessage(
	row: MessageRow,
	reactions: Reaction[] = [],
	attachments = new Map<string, Attachment>()
): Message {
	return {
		id: row.id,
		channelId: row.channelId,
		groupId: row.groupId,
		seq: row.seq,
		author: { id: row.authorId ?? '', displayName: row.authorName || 'Former member' },
		clientId: row.clientId,
		body: row.body,
		attachment: (row.attachmentId && attachments.get(row.attachmentId)) || null,
		reactions,
		editedAt: row.editedAt?.toISOString() ?? null,
		deletedAt: row.deletedAt?.toISOString() ?? null,
		createdAt: row.createdAt.toISOString()
	};
}

type ChannelRow = Omit<Channel, 'archivedAt'> & { archivedAt: Date | null };

const channelColumns = (tx: Tx, userId: string) => tx`
	c.id, c.group_id as "groupId", c.name, c.kind, c.archived_at as "archivedAt",
	c.last_seq::float8 as "lastSeq", c.last_change::float8 as "lastChange",
	coalesce(r.last_read_seq, 0)::float8 as "lastReadSeq",
	(select count(*)::int from public.messages m
	 where m.channel_id = c.id and m.seq > coalesce(r.last_read_seq, 0)
	   and m.author_id is distinct from ${userId}::uuid and m.deleted_at is null) as unread,
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

/** The group of a channel the actor may read (cached by the socket layer: a channel never moves). */
export async function channelGroup(actor: Actor, channelId: string): Promise<string> {
	const user = requireActor(actor);
	if (!isUuid(channelId)) throw notFound();
	const [row] = await readAs(
		user,
		(tx) => tx<{ groupId: string }[]>`
			select group_id as "groupId" from public.channels where id = ${channelId}`
	);
	if (!row) throw notFound();
	return row.groupId;
}

async function requireChannel(tx: Tx, channelId: string) {
	const [row] = await tx<{ id: string }[]>`select id from public.channels where id = ${channelId}`;
	if (!row) throw notFound();
}

/**
 * A page of history, newest first by page and ascending inside it: the messages before
 * `beforeSeq` (or the latest), and whether older ones remain.
 */
export async function history(
	actor: Actor,
	input: unknown
): Promise<{ messages: Message[]; hasMore: boolean }> {
	const user = requireActor(actor);
	const { channelId, beforeSeq, limit } = parse(schemas.history, input);
	return readAs(user, async (tx) => {
		await requireChannel(tx, channelId);
		const rows = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m
			where m.channel_id = ${channelId} ${beforeSeq === null ? tx`` : tx`and m.seq < ${beforeSeq}`}
			order by m.seq desc limit ${limit + 1}`;
		const hasMore = rows.length > limit;
		const page = rows.slice(0, limit).reverse();
		return { messages: await toMessages(tx, page, user.id), hasMore };
	});
}

/**
 * What a client missed: the messages after `afterSeq`, ascending, a page at a time; and with
 * `afterChange`, the messages up to `afterSeq` edited, deleted or reacted to since that change
 * number, so every client converges on the same channel (docs/decisions.md).
 */
export async function catchup(actor: Actor, input: unknown): Promise<CatchUp> {
	const user = requireActor(actor);
	const { channelId, afterSeq, afterChange } = parse(schemas.catchup, input);
	return readAs(user, async (tx) => {
		// Read first: a change committed after this is numbered above it and comes next time.
		const [channel] = await tx<{ lastChange: number }[]>`
			select last_change::float8 as "lastChange" from public.channels where id = ${channelId}`;
		if (!channel) throw notFound();
		const rows = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m
			where m.channel_id = ${channelId} and m.seq > ${afterSeq}
			order by m.seq limit ${CATCHUP_PAGE + 1}`;
		const hasMore = rows.length > CATCHUP_PAGE;
		const changedRows =
			afterChange === undefined || afterChange >= channel.lastChange
				? []
				: await tx<MessageRow[]>`
						select ${messageColumns(tx)} from public.messages m
						where m.channel_id = ${channelId} and m.change_seq > ${afterChange} and m.seq <= ${afterSeq}
						order by m.seq limit ${CHANGES_PAGE + 1}`;
		const resync = changedRows.length > CHANGES_PAGE;
		return {
			messages: await toMessages(tx, rows.slice(0, CATCHUP_PAGE), user.id),
			hasMore,
			changed: resync ? [] : await toMessages(tx, changedRows, user.id),
			lastChange: channel.lastChange,
			resync
		};
	});
}

function translateSendError(error: unknown): never {
	// The resources migration's trigger and foreign key keep attachments inside the group.
	if (
		isPgError(error, PG.foreignKeyViolation) &&
		(error.constraint_name === 'messages_attachment_resource_fkey' ||
			error.where?.includes('messages_check_attachment'))
	) {
		throw attachmentRefused();
	}
	if (isPgError(error, PG.foreignKeyViolation) || isPgError(error, PG.insufficientPrivilege)) {
		if (error.hint === 'announcers_only' || error.hint === 'readers_only') {
			throw new DomainError(403, 'forbidden', error.message);
		}
		throw notFound();
	}
	if (isPgError(error, PG.checkViolation) && error.hint === 'channel_closed') {
		throw new DomainError(409, 'channel_closed', error.message);
	}
	throw error;
}

function rateLimited(retryAfterMs: number): DomainError {
	const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
	return new DomainError(
		429,
		'rate_limited',
		`You are sending messages too fast. Wait ${seconds} second${seconds === 1 ? '' : 's'} and try again.`,
		[],
		seconds
	);
}

export type SendResult = { message: Message; created: boolean; mentioned: string[] };

/**
 * Stores a message under RLS and broadcasts it after commit. The channel's next seq is taken in
 * the same transaction; a retry with the same client id returns the stored message unchanged
 * and broadcasts nothing.
 */
export async function send(actor: Actor, input: unknown, via: Via = 'app'): Promise<SendResult> {
	const user = requireActor(actor);
	const data = parse(schemas.send, input);
	const wait = sendLimiter.take(user.id);
	if (wait > 0) throw rateLimited(wait);
	let result: SendResult;
	try {
		result = await withUser(
			user,
			async (tx) => {
				const inserted = await tx<MessageRow[]>`
					insert into public.messages as m (channel_id, author_id, client_id, body, attachment_resource_id)
					values (${data.channelId}, ${user.id}, ${data.clientId}, ${data.body}, ${data.attachmentId})
					returning ${messageColumns(tx)}`;
				const row = inserted[0] ?? (await storedByClientId(tx, user.id, data.clientId));
				if (!row) throw notFound();
				if (row.channelId !== data.channelId) {
					throw new DomainError(
						409,
						'client_id_reused',
						'This client id was already used for a message in another channel.'
					);
				}
				if (!inserted[0]) {
					const [message] = await toMessages(tx, [row], user.id);
					return { message, created: false, mentioned: [] };
				}
				if (data.attachmentId) await requireAttachment(tx, data.attachmentId, row.groupId);
				const mentioned = data.body.includes('@')
					? (
							await tx<{ userId: string }[]>`
								select user_id as "userId" from public.mentions where message_id = ${row.id}`
						).map((mention) => mention.userId)
					: [];
				// A new message has no reactions yet; its attachment is read back if it has one.
				const message = row.attachmentId
					? (await toMessages(tx, [row], user.id))[0]
					: toMessage(row);
				return { message, created: true, mentioned };
			},
			via
		);
	} catch (error) {
		sendLimiter.refund(user.id);
		if (isPgError(error, PG.uniqueViolation)) return sendAgain(user, data);
		translateSendError(error);
	}
	if (!result.created) {
		sendLimiter.refund(user.id);
		return result;
	}
	// 'message:new' goes out from the database at commit (realtime/relay.ts), in seq order.
	const from: Person = result.message.author;
	for (const userId of result.mentioned) {
		emitToUser(userId, 'mention', {
			channelId: data.channelId,
			messageId: result.message.id,
			from
		});
	}
	return result;
}

/** A concurrent retry won the race for this client id: read what it stored. */
async function sendAgain(
	user: NonNullable<Actor>,
	data: v.InferOutput<typeof schemas.send>
): Promise<SendResult> {
	return readAs(user, async (tx) => {
		const row = await storedByClientId(tx, user.id, data.clientId);
		if (!row || row.channelId !== data.channelId) {
			throw new DomainError(
				409,
				'client_id_reused',
				'This client id was already used for a message in another channel.'
			);
		}
		const [message] = await toMessages(tx, [row], user.id);
		return { message, created: false, mentioned: [] };
	});
}

async function storedByClientId(tx: Tx, authorId: string, clientId: string) {
	const [row] = await tx<MessageRow[]>`
		select ${messageColumns(tx)} from public.messages m
		where m.author_id = ${authorId} and m.client_id = ${clientId}`;
	return row;
}

/** An attachment must be a resource of the same group that the author can read. */
async function requireAttachment(tx: Tx, resourceId: string, groupId: string) {
	const [row] = await tx<{ id: string }[]>`
		select id from public.resources where id = ${resourceId} and group_id = ${groupId}`;
	if (!row) throw attachmentRefused();
}

function attachmentRefused() {
	return new DomainError(
		400,
		'invalid_input',
		'Attach a file or link from this group’s resources.',
		[{ path: 'attachmentId', message: 'Not a resource of this group.' }]
	);
}

/** Authors edit their own messages (not deleted ones). */
export async function edit(actor: Actor, input: unknown, via: Via = 'app'): Promise<Message> {
	const user = requireActor(actor);
	const { messageId, body } = parse(schemas.edit, input);
	const edited = await withUser(
		user,
		async (tx) => {
			const [current] = await tx<{ authorId: string | null; deletedAt: Date | null }[]>`
				select author_id as "authorId", deleted_at as "deletedAt" from public.messages where id = ${messageId}`;
			if (!current) throw notFound();
			if (current.authorId !== user.id) {
				throw new DomainError(403, 'forbidden', 'Only the author edits a message.');
			}
			if (current.deletedAt) {
				throw new DomainError(409, 'message_deleted', 'This message was deleted.');
			}
			const [row] = await tx<MessageRow[]>`
				update public.messages as m set body = ${body} where m.id = ${messageId}
				returning ${messageColumns(tx)}`;
			if (!row) throw notFound();
			const [message] = await toMessages(tx, [row], user.id);
			// People the edit mentions for the first time (the trigger recorded them just now).
			const mentioned = await tx<{ userId: string }[]>`
				select user_id as "userId" from public.mentions
				where message_id = ${messageId} and created_at = now()`;
			return { message, mentioned: mentioned.map((mention) => mention.userId) };
		},
		via
	);
	emitToGroup(edited.message.groupId, 'message:updated', edited.message);
	for (const userId of edited.mentioned) {
		emitToUser(userId, 'mention', {
			channelId: edited.message.channelId,
			messageId,
			from: edited.message.author
		});
	}
	return edited.message;
}

/** Authors delete their own messages; moderators (leaders, admins) delete any in their groups. */
export async function remove(
	actor: Actor,
	input: unknown,
	via: Via = 'app'
): Promise<{ channelId: string; id: string; seq: number }> {
	const user = requireActor(actor);
	const { messageId } = parse(schemas.messageRef, input);
	const removed = await withUser(
		user,
		async (tx) => {
			const [current] = await tx<{ deletedAt: Date | null }[]>`
				select deleted_at as "deletedAt" from public.messages where id = ${messageId}`;
			if (!current) throw notFound();
			if (current.deletedAt) {
				throw new DomainError(409, 'message_deleted', 'This message was already deleted.');
			}
			const [row] = await tx<{ channelId: string; groupId: string; id: string; seq: number }[]>`
				update public.messages set deleted_at = now() where id = ${messageId}
				returning channel_id as "channelId", group_id as "groupId", id, seq::float8 as seq`;
			if (!row) {
				throw new DomainError(
					403,
					'forbidden',
					'You can delete your own messages; leaders delete any in the groups they moderate.'
				);
			}
			return row;
		},
		via
	);
	const payload = { channelId: removed.channelId, id: removed.id, seq: removed.seq };
	emitToGroup(removed.groupId, 'message:deleted', payload);
	return payload;
}

/** Adds the actor's reaction, or takes it back if they had already reacted with that emoji. */
export async function react(
	actor: Actor,
	input: unknown,
	via: Via = 'app'
): Promise<{ reactions: Reaction[] }> {
	const user = requireActor(actor);
	const { messageId, emoji } = parse(schemas.reaction, input);
	const result = await withUser(
		user,
		async (tx) => {
			const [target] = await tx<{ channelId: string; groupId: string; deletedAt: Date | null }[]>`
				select channel_id as "channelId", group_id as "groupId", deleted_at as "deletedAt"
				from public.messages where id = ${messageId}`;
			if (!target) throw notFound();
			if (target.deletedAt) {
				throw new DomainError(409, 'message_deleted', 'This message was deleted.');
			}
			const removed = await tx`
				delete from public.message_reactions
				where message_id = ${messageId} and user_id = ${user.id} and emoji = ${emoji} returning 1`;
			if (removed.length === 0) {
				const [{ count }] = await tx<{ count: number }[]>`
					select count(distinct emoji)::int as count from public.message_reactions where message_id = ${messageId}`;
				if (count >= 20) {
					throw new DomainError(
						409,
						'too_many_reactions',
						'A message takes at most 20 different reactions.'
					);
				}
				await tx`
					insert into public.message_reactions (message_id, user_id, emoji)
					values (${messageId}, ${user.id}, ${emoji}) on conflict do nothing`;
			}
			const reactions = (await reactionsOf(tx, [messageId], user.id)).get(messageId) ?? [];
			return { ...target, reactions };
		},
		via
	).catch((error) => {
		if (isPgError(error, PG.checkViolation)) {
			throw new DomainError(400, 'invalid_input', 'That reaction is not valid.');
		}
		// Someone who only reads the channel (a visible-mode course group they are not in).
		if (isPgError(error, PG.insufficientPrivilege)) {
			throw new DomainError(
				403,
				'forbidden',
				'You can read this group’s channels, but react only in the groups you belong to.'
			);
		}
		throw error;
	});
	emitToGroup(result.groupId, 'reaction:updated', {
		channelId: result.channelId,
		messageId,
		reactions: result.reactions.map((reaction) => ({ ...reaction, mine: false }))
	});
	return { reactions: result.reactions };
}

/** Moves the actor's read position forward (never back), up to the channel's last message. */
export async function markRead(actor: Actor, input: unknown): Promise<{ lastReadSeq: number }> {
	const user = requireActor(actor);
	const { channelId, seq } = parse(schemas.markRead, input);
	return withUser(user, async (tx) => {
		const [row] = await tx<{ lastReadSeq: number }[]>`
			insert into public.channel_reads as r (user_id, channel_id, last_read_seq)
			select ${user.id}, c.id, least(${seq}, c.last_seq) from public.channels c where c.id = ${channelId}
			on conflict (user_id, channel_id) do update
			set last_read_seq = greatest(r.last_read_seq, excluded.last_read_seq), updated_at = now()
			returning last_read_seq::float8 as "lastReadSeq"`;
		if (!row) throw notFound();
		return row;
	});
}

/** A new message as every receiver gets it (no reactions yet), read by the system for the relay. */
export async function messageForBroadcast(messageId: string): Promise<Message | null> {
	return asService(async (tx) => {
		const [row] = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m where m.id = ${messageId}`;
		if (!row) return null;
		const [message] = await toMessages(tx, [row], '');
		return message;
	});
}

/**
 * Messages of these groups stored since `since`, by channel and seq, read by the system: what the
 * relay broadcasts again after its LISTEN connection came back (realtime/relay.ts).
 */
export async function recentForBroadcast(
	groupIds: string[],
	since: Date,
	limit = 5000
): Promise<Message[]> {
	if (groupIds.length === 0) return [];
	return asService(async (tx) => {
		const rows = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m
			where m.group_id = any(${groupIds}::uuid[]) and m.created_at >= ${since}
			order by m.channel_id, m.seq limit ${limit}`;
		return toMessages(tx, rows, '');
	});
}

/** Words of a search as a prefix query: "bio lab" finds "biology labs". */
function prefixQuery(text: string): string {
	const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
	return words
		.slice(0, 10)
		.map((word) => `${word}:*`)
		.join(' & ');
}

/** Full-text search in one channel, newest first. */
export async function search(actor: Actor, input: unknown): Promise<{ messages: Message[] }> {
	const user = requireActor(actor);
	const { channelId, query } = parse(schemas.search, input);
	const tsquery = prefixQuery(query);
	if (!tsquery) {
		throw new DomainError(400, 'invalid_input', 'Search for words or numbers.', [
			{ path: 'query', message: 'Search for words or numbers.' }
		]);
	}
	return readAs(user, async (tx) => {
		await requireChannel(tx, channelId);
		const rows = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m
			where m.channel_id = ${channelId} and m.deleted_at is null
			  and m.search @@ to_tsquery('simple', ${tsquery})
			order by m.seq desc limit ${SEARCH_LIMIT}`;
		return { messages: await toMessages(tx, rows, user.id) };
	});
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
	emitToGroup(channel.groupId, 'channel:updated', {
		...channel,
		lastReadSeq: 0,
		unread: 0,
		mentions: 0,
		canModerate: false
	});
	return channel;
}
