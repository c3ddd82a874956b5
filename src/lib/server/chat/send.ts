/** Sending a message: the rate limit, idempotent retries by client id, attachments inside the group. */
import * as v from 'valibot';
import type { Message, Person, ThreadSummary } from '$lib/realtime/types';
import { isPgError, PG, readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { emitToChannel, emitToUser } from '$lib/server/realtime/emit';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/chat';
import { writeInBatch } from './group-commit';
import { RateLimiter } from './rate-limit';
import { requireActor, toMessage, toMessages, messageColumns, type MessageRow } from './rows';
import { summaryOf } from './threads';

/** Sends per person: a burst, then a steady rate (decisions.md, Chat rate limit). */
export const sendLimiter = new RateLimiter(
	Number(process.env.CHAT_RATE_BURST ?? 20),
	Number(process.env.CHAT_RATE_PER_SECOND ?? 5)
);

function translateSendError(error: unknown): never {
	// The resources migration's trigger and foreign key keep attachments inside the group.
	if (
		isPgError(error, PG.foreignKeyViolation) &&
		(error.constraint_name === 'messages_attachment_resource_fkey' ||
			error.constraint_name === 'messages_attachment_file_fkey' ||
			error.where?.includes('messages_check_attachment') ||
			error.where?.includes('messages_check_file'))
	) {
		throw attachmentRefused();
	}
	if (isPgError(error, PG.foreignKeyViolation) && error.hint === 'thread_not_found') {
		throw new DomainError(404, 'not_found', error.message);
	}
	if (
		isPgError(error, PG.checkViolation) &&
		(error.hint === 'thread_nested' || error.hint === 'thread_closed')
	) {
		throw new DomainError(409, error.hint, error.message);
	}
	if (isPgError(error, PG.foreignKeyViolation) || isPgError(error, PG.insufficientPrivilege)) {
		if (['announcers_only', 'readers_only', 'not_allowed'].includes(error.hint ?? '')) {
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

export type SendResult = {
	message: Message;
	created: boolean;
	mentioned: string[];
	/** For a new reply: its thread's count and last reply, pushed to the group. */
	thread?: ThreadSummary;
};

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
		const plain = !data.attachmentId && !data.threadRootId && !data.body.includes('@');
		const batched = plain ? await writeInBatch(user, data, via) : 'alone';
		result =
			batched !== 'alone'
				? { message: toMessage(batched), created: true, mentioned: [] }
				: await sendAlone(user, data, via);
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
	if (result.thread) emitToChannel(result.message, 'thread:updated', result.thread);
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

/** One message in a transaction of its own: any message, and a plain one a batch could not take. */
function sendAlone(
	user: NonNullable<Actor>,
	data: v.InferOutput<typeof schemas.send>,
	via: Via
): Promise<SendResult> {
	return withUser(
		user,
		async (tx) => {
			// A group's message attaches one of its resources; a conversation's, one of its files.
			const direct = data.attachmentId ? await isConversation(tx, data.channelId) : false;
			const inserted = await tx<MessageRow[]>`
					insert into public.messages as m (channel_id, author_id, client_id, body, attachment_resource_id,
					                                  attachment_file_id, thread_root_id, also_in_channel)
					values (${data.channelId}, ${user.id}, ${data.clientId}, ${data.body},
					        ${direct ? null : data.attachmentId}, ${direct ? data.attachmentId : null},
					        ${data.threadRootId}, ${data.threadRootId ? data.alsoInChannel : false})
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
			if (data.attachmentId) await requireAttachment(tx, data.attachmentId, row);
			const mentioned = data.body.includes('@')
				? (
						await tx<{ userId: string }[]>`
								select user_id as "userId" from public.mentions where message_id = ${row.id}`
					).map((mention) => mention.userId)
				: [];
			// A new message has no reactions yet; its attachment is read back if it has one.
			const message = row.attachmentId ? (await toMessages(tx, [row], user.id))[0] : toMessage(row);
			const thread = row.threadRootId
				? await summaryOf(tx, row.threadRootId, row.channelId)
				: undefined;
			return { message, created: true, mentioned, thread };
		},
		via
	);
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

async function isConversation(tx: Tx, channelId: string): Promise<boolean> {
	const [row] = await tx<{ direct: boolean }[]>`
		select kind = 'direct' as direct from public.channels where id = ${channelId}`;
	return row?.direct ?? false;
}

/**
 * An attachment must be one the author can read: a resource of the message's group, or a file
 * of its conversation.
 */
async function requireAttachment(tx: Tx, attachmentId: string, message: MessageRow) {
	const [row] = message.groupId
		? await tx<{ id: string }[]>`
			select id from public.resources where id = ${attachmentId} and group_id = ${message.groupId}`
		: await tx<{ id: string }[]>`
			select id from public.conversation_files
			where id = ${attachmentId} and channel_id = ${message.channelId}`;
	if (!row) throw attachmentRefused();
}

function attachmentRefused() {
	return new DomainError(
		400,
		'invalid_input',
		'Attach a file or link from this group’s resources, or a file sent in this conversation.',
		[
			{
				path: 'attachmentId',
				message: 'Not a resource of this group or a file of this conversation.'
			}
		]
	);
}
