/**
 * Files sent in direct conversations. A conversation has no group and so no library: a file is
 * uploaded into the conversation (public.conversation_files, 14_direct_messages.sql), attached to
 * the next message, readable by the people in it, and deleted with its message. The bytes are
 * received, checked and stored as a group's are (resources/receive.ts); what a conversation may
 * hold in all is the database's rule (private.conversation_storage).
 */
import type { Readable } from 'node:stream';
import type { Attachment } from '$lib/realtime/types';
import { asService, isPgError, PG, readAs, withUser, type Actor, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid } from '$lib/server/validate';
import { BlobNotFoundError, blobStore } from '$lib/server/resources/blob-store';
import { downloadHeaders } from '$lib/server/resources';
import { formatMb, maxUploadBytes, receive, type UploadInput } from '$lib/server/resources/receive';

export type ConversationFile = Attachment & { createdAt: string };

export type ConversationStorage = {
	usedBytes: number;
	quotaBytes: number;
	remainingBytes: number;
	maxUploadBytes: number;
};

function requireUser(actor: Actor): NonNullable<Actor> {
	if (!actor) throw new DomainError(401, 'unauthenticated', 'Sign in first.');
	return actor;
}

/** What one upload into the conversation may be (its people only; 404 for anyone else). */
export async function storage(actor: Actor, conversationId: string): Promise<ConversationStorage> {
	const user = requireUser(actor);
	if (!isUuid(conversationId)) throw notFound();
	const [row] = await readAs(
		user,
		(tx) => tx<{ usedBytes: number; quotaBytes: number; member: boolean }[]>`
			select s.used_bytes::float8 as "usedBytes", s.quota_bytes::float8 as "quotaBytes",
			       exists (select 1 from public.conversations c where c.channel_id = ${conversationId}) as member
			from private.conversation_storage(${conversationId}) s`
	);
	if (!row?.member) throw notFound();
	return {
		usedBytes: row.usedBytes,
		quotaBytes: row.quotaBytes,
		remainingBytes: Math.max(0, row.quotaBytes - row.usedBytes),
		maxUploadBytes: maxUploadBytes()
	};
}

/**
 * Takes in a file for the conversation, to be attached to a message (`attachmentId`). Refused
 * before its bytes are stored when the uploader may not post in the conversation, or it does not
 * fit; a file never sent is removed after a day.
 */
export async function upload(
	actor: Actor,
	conversationId: string,
	input: UploadInput,
	via: Via = 'app'
): Promise<ConversationFile> {
	const user = requireUser(actor);
	if (!isUuid(conversationId)) throw notFound();
	try {
		return await receive(input, {
			details: () => ({}),
			remaining: async () => {
				const [row] = await readAs(
					user,
					(tx) => tx<{ remaining: number; canPost: boolean }[]>`
						select (s.quota_bytes - s.used_bytes)::float8 as remaining,
						       private.can_post_in_row(c) as "canPost"
						from public.channels c, private.conversation_storage(c.id) s
						where c.id = ${conversationId} and c.kind = 'direct'`
				);
				if (!row) throw notFound();
				if (!row.canPost) {
					throw new DomainError(
						403,
						'forbidden',
						'You cannot send files in this conversation any more.'
					);
				}
				return row.remaining;
			},
			key: (id) => `c/${conversationId}/${id}`,
			full: (remaining) =>
				new DomainError(
					413,
					'quota_exceeded',
					`This conversation's file storage is full: ${formatMb(remaining)} left. Delete messages with files you no longer need.`
				),
			record: (file) =>
				withUser(
					user,
					async (tx) => {
						const [row] = await tx<ConversationFile[]>`
							insert into public.conversation_files (id, channel_id, blob_key, filename, content_type,
							                                       size_bytes, added_by)
							values (${file.id}, ${conversationId}, ${file.key}, ${file.filename}, ${file.contentType},
							        ${file.size}, ${user.id})
							returning id, filename, content_type as "contentType", size_bytes::float8 as size,
							          created_at as "createdAt"`;
						return { ...row, createdAt: new Date(row.createdAt).toISOString() };
					},
					via
				)
		});
	} catch (error) {
		if (isPgError(error, PG.checkViolation) && error.hint === 'quota_exceeded') {
			throw new DomainError(
				413,
				'quota_exceeded',
				"This conversation's file storage is full. Delete messages with files you no longer need."
			);
		}
		if (isPgError(error, PG.insufficientPrivilege) && error.hint === 'not_allowed') {
			throw new DomainError(403, 'forbidden', error.message);
		}
		if (isPgError(error, PG.insufficientPrivilege) || isPgError(error, PG.foreignKeyViolation)) {
			throw notFound();
		}
		throw error;
	}
}

/** A file of one of the actor's conversations, for download; 404 for anyone else. */
export async function open(
	actor: Actor,
	conversationId: string,
	fileId: string
): Promise<{ file: ConversationFile; body: Readable; headers: Record<string, string> }> {
	const user = requireUser(actor);
	if (!isUuid(conversationId) || !isUuid(fileId)) throw notFound();
	const [row] = await readAs(
		user,
		(tx) => tx<(ConversationFile & { blobKey: string })[]>`
			select id, filename, content_type as "contentType", size_bytes::float8 as size,
			       created_at as "createdAt", blob_key as "blobKey"
			from public.conversation_files where id = ${fileId} and channel_id = ${conversationId}`
	);
	if (!row) throw notFound();
	const { blobKey, ...file } = row;
	let body: Readable;
	try {
		body = await (await blobStore()).get(blobKey);
	} catch (error) {
		if (error instanceof BlobNotFoundError) throw notFound();
		throw error;
	}
	return {
		file: { ...file, createdAt: new Date(file.createdAt).toISOString() },
		body,
		headers: downloadHeaders(file.filename, file.contentType, file.size)
	};
}

/** The cleanup job: files uploaded to conversations a day ago and never sent (their bytes follow). */
export async function removeUnsent(): Promise<number> {
	const [row] = await asService(
		(tx) => tx<{ removed: number }[]>`select private.remove_unsent_conversation_files() as removed`
	);
	return row?.removed ?? 0;
}
