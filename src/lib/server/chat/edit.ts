/** Changing a sent message: authors edit theirs; authors and moderators delete. */
import type { Message } from '$lib/realtime/types';
import { withUser, type Actor, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { emitToChannel, emitToUser } from '$lib/server/realtime/emit';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/chat';
import { requireActor, toMessages, messageColumns, type MessageRow } from './rows';
import { summaryOf } from './threads';

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
	emitToChannel(edited.message, 'message:updated', edited.message);
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
			const [row] = await tx<
				{
					channelId: string;
					groupId: string | null;
					id: string;
					seq: number;
					threadRootId: string | null;
				}[]
			>`
				update public.messages set deleted_at = now() where id = ${messageId}
				returning channel_id as "channelId", group_id as "groupId", id, seq::float8 as seq,
				          thread_root_id as "threadRootId"`;
			if (!row) {
				throw new DomainError(
					403,
					'forbidden',
					'You can delete your own messages; leaders delete any in the groups they moderate.'
				);
			}
			const thread = row?.threadRootId
				? await summaryOf(tx, row.threadRootId, row.channelId)
				: undefined;
			return { ...row, thread };
		},
		via
	);
	const payload = { channelId: removed.channelId, id: removed.id, seq: removed.seq };
	emitToChannel(removed, 'message:deleted', payload);
	if (removed.thread) emitToChannel(removed, 'thread:updated', removed.thread);
	return payload;
}
