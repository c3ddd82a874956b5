/** Message rows as the API and sockets send them: columns, reactions, attachments, and the checks every chat verb starts with. */
import type { Attachment, Message, Reaction } from '$lib/realtime/types';
import { type Actor, type Tx } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';

export type MessageRow = {
	id: string;
	channelId: string;
	groupId: string | null;
	seq: number;
	authorId: string | null;
	authorName: string;
	clientId: string;
	body: string;
	attachmentId: string | null;
	editedAt: Date | null;
	deletedAt: Date | null;
	createdAt: Date;
	threadRootId: string | null;
	alsoInChannel: boolean;
	replyCount: number;
	lastReplyAt: Date | null;
};

export const messageColumns = (tx: Tx) => tx`
	m.id, m.channel_id as "channelId", m.group_id as "groupId", m.seq::float8 as seq,
	m.author_id as "authorId", m.author_name as "authorName", m.client_id as "clientId", m.body,
	coalesce(m.attachment_resource_id, m.attachment_file_id) as "attachmentId", m.edited_at as "editedAt",
	m.deleted_at as "deletedAt", m.created_at as "createdAt",
	m.thread_root_id as "threadRootId", m.also_in_channel as "alsoInChannel",
	(select count(*)::int from public.messages r
	 where r.thread_root_id = m.id and r.deleted_at is null) as "replyCount",
	(select max(r.created_at) from public.messages r
	 where r.thread_root_id = m.id and r.deleted_at is null) as "lastReplyAt"`;

export function requireActor(actor: Actor): NonNullable<Actor> {
	if (!actor) throw new DomainError(401, 'unauthenticated', 'Sign in first.');
	return actor;
}

/** Reactions of `messageIds`, as `viewerId` sees them. */
export async function reactionsOf(
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

/**
 * Attachments the viewer may read: a group's resources (their own module's table), or files sent
 * in a direct conversation.
 */
async function attachmentsOf(tx: Tx, ids: string[]): Promise<Map<string, Attachment>> {
	const byId = new Map<string, Attachment>();
	if (ids.length === 0) return byId;
	const rows = await tx<Attachment[]>`
		select id, coalesce(filename, title) as filename, coalesce(content_type, 'text/uri-list') as "contentType",
		       coalesce(size_bytes, 0)::float8 as size
		from public.resources where id = any(${ids}::uuid[])
		union all
		select id, filename, content_type, size_bytes::float8
		from public.conversation_files where id = any(${ids}::uuid[])`;
	for (const row of rows) byId.set(row.id, row);
	return byId;
}

export async function toMessages(tx: Tx, rows: MessageRow[], viewerId: string): Promise<Message[]> {
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

export function toMessage(
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
		createdAt: row.createdAt.toISOString(),
		threadRootId: row.threadRootId,
		alsoInChannel: row.alsoInChannel,
		replyCount: row.replyCount ?? 0,
		lastReplyAt: row.lastReplyAt?.toISOString() ?? null
	};
}

export async function requireChannel(tx: Tx, channelId: string) {
	const [row] = await tx<{ id: string }[]>`select id from public.channels where id = ${channelId}`;
	if (!row) throw notFound();
}
