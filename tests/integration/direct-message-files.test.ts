import { randomUUID } from 'node:crypto';
import type { RequestEvent } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as filesRoute from '../../src/routes/api/v1/conversations/[id]/files/+server';
import * as fileRoute from '../../src/routes/api/v1/conversations/[id]/files/[fileId]/+server';
import * as storageRoute from '../../src/routes/api/v1/conversations/[id]/storage/+server';
import * as appUpload from '../../src/routes/(app)/messages/[id]/files/+server';
import * as appDownload from '../../src/routes/(app)/messages/[id]/files/[fileId]/+server';
import * as contactsRoute from '../../src/routes/api/v1/me/contacts/+server';
import type { SessionUser } from '$lib/server/auth/session';
import * as chat from '$lib/server/chat';
import { withUser } from '$lib/server/db';
import * as directMessages from '$lib/server/direct-messages';
import * as conversationFiles from '$lib/server/direct-messages/files';
import * as resources from '$lib/server/resources';
import { actor, createUser, enrol, foundationCast, ownerDb, type TestUser } from './helpers';
import { PDF, PNG, useTemporaryBlobDirs } from './upload-helpers';

// Files in direct conversations (issue 14, "attachments" among the chat features a conversation
// has): uploaded into the conversation through the real routes, attached to a message, read and
// downloaded by its people only, removed with their message or after a day unsent, and kept
// within the conversation's storage. Mentions in conversations, and the "New conversation"
// search, which answers only people the caller may message.

const dirs = useTemporaryBlobDirs();
type Cast = Awaited<ReturnType<typeof foundationCast>> & { ines: TestUser };
let cast: Cast;
let conversationId: string;
let otherConversationId: string;

beforeAll(async () => {
	const base = await foundationCast();
	const ines = await createUser({ name: 'Inès Moreau' });
	await enrol(base.course.id, ines.id);
	await ownerDb()`update public.organisations set learners_message_learners = true where id = ${base.org.id}`;
	cast = { ...base, ines };
	conversationId = (
		await directMessages.start(actor(base.learner), { userIds: [base.fellow.id, ines.id] })
	).id;
	otherConversationId = (
		await directMessages.start(actor(base.learner), { userIds: [base.instructor.id] })
	).id;
});
afterAll(() => dirs.cleanup());

const sessionUser = (user: TestUser): SessionUser => ({
	id: user.id,
	email: user.email,
	displayName: user.displayName,
	platformRole: 'user'
});

function event(
	path: string,
	user: TestUser | null,
	params: Record<string, string>,
	init: { method?: string; body?: BodyInit; headers?: Record<string, string>; query?: string } = {}
): RequestEvent {
	const url = new URL(`http://127.0.0.1${path}${init.query ?? ''}`);
	const request = new Request(url, {
		method: init.method ?? 'POST',
		body: init.body,
		headers: init.headers,
		// @ts-expect-error Node's fetch needs this for streamed bodies.
		duplex: 'half'
	});
	return {
		request,
		url,
		params,
		locals: { user: user ? sessionUser(user) : null, session: null, via: 'api' },
		cookies: { get: () => undefined }
	} as unknown as RequestEvent;
}

async function upload(user: TestUser | null, id: string, filename: string, bytes: Buffer | string) {
	const body = Buffer.from(bytes);
	return filesRoute.POST(
		event(
			`/api/v1/conversations/${id}/files`,
			user,
			{ id },
			{
				body,
				query: `?filename=${encodeURIComponent(filename)}`,
				headers: {
					'content-type': 'application/octet-stream',
					'content-length': String(body.length)
				}
			}
		)
	);
}

async function download(user: TestUser | null, id: string, fileId: string) {
	return fileRoute.GET(
		event(`/api/v1/conversations/${id}/files/${fileId}`, user, { id, fileId }, { method: 'GET' })
	);
}

async function stored() {
	const rows = await ownerDb()<
		{ id: string }[]
	>`select id from public.conversation_files order by id`;
	return { rows: rows.map((row) => row.id), files: dirs.files() };
}

describe('files in a conversation', () => {
	it('go up into the conversation, ride on a message, and come down to its people only', async () => {
		const response = await upload(cast.learner, conversationId, 'notes.pdf', PDF);
		expect(response.status).toBe(201);
		const file = await response.json();
		expect(file).toMatchObject({
			filename: 'notes.pdf',
			contentType: 'application/pdf',
			size: PDF.length
		});

		const sent = await directMessages.send(actor(cast.learner), conversationId, {
			clientId: randomUUID(),
			body: 'The notes from today',
			attachmentId: file.id
		});
		expect(sent.message.attachment).toEqual({
			id: file.id,
			filename: 'notes.pdf',
			contentType: 'application/pdf',
			size: PDF.length
		});
		// The other people read it with the attachment, and download the same bytes.
		const history = await directMessages.history(actor(cast.fellow), conversationId, {});
		expect(history.messages.at(-1)?.attachment?.id).toBe(file.id);
		const got = await download(cast.fellow, conversationId, file.id);
		expect(got.status).toBe(200);
		expect(Buffer.from(await got.arrayBuffer())).toEqual(PDF);
		expect(got.headers.get('content-disposition')).toContain('attachment');
		expect(got.headers.get('x-content-type-options')).toBe('nosniff');
		// The app's download route, as the page links it.
		const viaApp = await appDownload.GET(
			event(
				`/messages/${conversationId}/files/${file.id}`,
				cast.ines,
				{
					id: conversationId,
					fileId: file.id
				},
				{ method: 'GET' }
			)
		);
		expect(Buffer.from(await viaApp.arrayBuffer())).toEqual(PDF);

		// Nobody outside it: not someone in the learner's other conversation, not another learner,
		// not a platform admin (who reads conversations as the operator, but not their files).
		for (const outsider of [
			cast.instructor,
			cast.otherLearner,
			cast.stranger,
			cast.platformAdmin
		]) {
			const refused = await download(outsider, conversationId, file.id);
			expect(refused.status, outsider.displayName).toBe(404);
		}
		expect((await download(null, conversationId, file.id)).status).toBe(401);
		// The right file through the wrong conversation's address finds nothing, even for the learner.
		expect((await download(cast.learner, otherConversationId, file.id)).status).toBe(404);
		await expect(
			appDownload.GET(
				event(
					`/messages/${otherConversationId}/files/${file.id}`,
					cast.learner,
					{
						id: otherConversationId,
						fileId: file.id
					},
					{ method: 'GET' }
				)
			)
		).rejects.toMatchObject({ status: 404 });
	});

	it('uploads through the composer’s form route too, and answers JSON either way', async () => {
		const form = new FormData();
		form.set('file', new File([PNG], 'pixel.png'));
		const response = await appUpload.POST(
			event(
				`/messages/${conversationId}/files`,
				cast.fellow,
				{ id: conversationId },
				{ body: form }
			)
		);
		expect(response.status).toBe(201);
		expect(await response.json()).toMatchObject({
			filename: 'pixel.png',
			contentType: 'image/png'
		});
		const refused = await appUpload.POST(
			event(
				`/messages/${conversationId}/files`,
				cast.otherLearner,
				{ id: conversationId },
				{
					body: (() => {
						const again = new FormData();
						again.set('file', new File([PNG], 'pixel.png'));
						return again;
					})()
				}
			)
		);
		expect(refused.status).toBe(404);
		expect((await refused.json()).error.code).toBe('not_found');
	});

	it('refuses outsiders, bad files and full storage before anything is stored', async () => {
		const before = await stored();
		for (const outsider of [cast.instructor, cast.otherLearner]) {
			const response = await upload(outsider, conversationId, 'x.pdf', PDF);
			expect(response.status, outsider.displayName).toBe(404);
		}
		// A platform admin reads every conversation (as the platform's operator) but posts in none.
		expect((await upload(cast.platformAdmin, conversationId, 'x.pdf', PDF)).status).toBe(403);
		expect((await upload(null, conversationId, 'x.pdf', PDF)).status).toBe(401);
		expect((await upload(cast.learner, 'not-a-uuid', 'x.pdf', PDF)).status).toBe(404);
		const page = await upload(cast.learner, conversationId, 'page.pdf', '<html><script>1</script>');
		expect(page.status).toBe(415);
		const empty = await upload(cast.learner, conversationId, 'empty.pdf', '');
		expect((await empty.json()).error.code).toBe('empty_file');
		const folder = await upload(cast.learner, conversationId, '../../etc/passwd.pdf', PDF);
		expect((await folder.json()).error.code).toBe('unsafe_filename');
		expect(await stored()).toEqual(before);

		// The conversation's storage (256 MiB): nearly full, a file that does not fit is refused
		// before its bytes are kept, with the storage route saying what is left.
		const [big] = await ownerDb()<{ id: string }[]>`
			insert into public.conversation_files (id, channel_id, blob_key, filename, content_type, size_bytes, added_by)
			select id, ${conversationId}, 'c/' || ${conversationId} || '/' || id, 'huge.zip', 'application/zip',
			       268435456 - 10 - (select coalesce(sum(size_bytes), 0) from public.conversation_files
			                         where channel_id = ${conversationId}),
			       ${cast.learner.id}
			from (select gen_random_uuid() as id) x returning id`;
		const storage = await storageRoute.GET(
			event(
				`/api/v1/conversations/${conversationId}/storage`,
				cast.fellow,
				{ id: conversationId },
				{
					method: 'GET'
				}
			)
		);
		expect(await storage.json()).toMatchObject({
			quotaBytes: 268435456,
			remainingBytes: expect.any(Number)
		});
		const full = await upload(cast.learner, conversationId, 'notes.pdf', PDF);
		expect(full.status).toBe(413);
		expect((await full.json()).error.code).toBe('quota_exceeded');
		const outsiderStorage = await storageRoute.GET(
			event(
				`/api/v1/conversations/${conversationId}/storage`,
				cast.otherLearner,
				{
					id: conversationId
				},
				{ method: 'GET' }
			)
		);
		expect(outsiderStorage.status).toBe(404);
		await ownerDb()`delete from public.conversation_files where id = ${big.id}`;
		await ownerDb()`delete from private.blob_deletions where blob_key like ${'c/' + conversationId + '/%'}`;
	});

	it('attaches a conversation’s file to that conversation’s messages only', async () => {
		const file = await (await upload(cast.learner, conversationId, 'plan.pdf', PDF)).json();
		// Not in another conversation of the same person.
		await expect(
			directMessages.send(actor(cast.learner), otherConversationId, {
				clientId: randomUUID(),
				body: 'wrong place',
				attachmentId: file.id
			})
		).rejects.toMatchObject({ status: 400 });
		// Not in a group's channel.
		const [channel] = await ownerDb()<{ id: string }[]>`
			select c.id from public.channels c join public.groups g on g.id = c.group_id
			join public.group_members m on m.group_id = g.id and m.user_id = ${cast.learner.id}
			where c.kind = 'chat' limit 1`;
		if (channel) {
			await expect(
				chat.send(actor(cast.learner), {
					channelId: channel.id,
					clientId: randomUUID(),
					body: 'wrong place',
					attachmentId: file.id
				})
			).rejects.toMatchObject({ status: 400 });
		}
		// Not someone else's conversation's file, straight at the database either.
		await expect(
			withUser(
				actor(cast.instructor),
				(tx) => tx`
				insert into public.messages (channel_id, author_id, client_id, body, attachment_file_id)
				values (${otherConversationId}, ${cast.instructor.id}, ${randomUUID()}, 'x', ${file.id})`
			)
		).rejects.toMatchObject({ code: '23503' });
		// Unknown fields are named.
		await expect(
			directMessages.send(actor(cast.learner), conversationId, {
				clientId: randomUUID(),
				body: 'x',
				attachment: file.id
			})
		).rejects.toMatchObject({ status: 400, message: expect.stringContaining('attachment') });
	});

	it('deletes the file with its message, and a file never sent after a day', async () => {
		const file = await (await upload(cast.fellow, conversationId, 'draft.pdf', PDF)).json();
		const { message } = await directMessages.send(actor(cast.fellow), conversationId, {
			clientId: randomUUID(),
			body: 'draft',
			attachmentId: file.id
		});
		await chat.remove(actor(cast.fellow), { messageId: message.id });
		expect((await download(cast.learner, conversationId, file.id)).status).toBe(404);
		const [queued] = await ownerDb()`
			select 1 from private.blob_deletions where blob_key = ${`c/${conversationId}/${file.id}`}`;
		expect(queued).toBeTruthy();

		const unsent = await (await upload(cast.fellow, conversationId, 'never.pdf', PDF)).json();
		const fresh = await (await upload(cast.fellow, conversationId, 'soon.pdf', PDF)).json();
		await ownerDb()`update public.conversation_files set created_at = now() - interval '25 hours' where id = ${unsent.id}`;
		expect(await conversationFiles.removeUnsent()).toBe(1);
		await resources.removeQueuedBlobs();
		expect(dirs.files().some((name) => name.includes(unsent.id))).toBe(false);
		expect(dirs.files().some((name) => name.includes(fresh.id))).toBe(true);
		expect((await download(cast.fellow, conversationId, fresh.id)).status).toBe(200);
	});
});

describe('conversation_files straight at the database, with forged claims', () => {
	it('shows a conversation’s files to its people only, and lets them add and delete only their own', async () => {
		const file = await (await upload(cast.learner, conversationId, 'rls.pdf', PDF)).json();
		const seen = (who: TestUser | null) =>
			withUser(
				who ? actor(who) : null,
				(tx) => tx`select id from public.conversation_files where id = ${file.id}`
			);
		expect(await seen(cast.fellow)).toHaveLength(1);
		expect(await seen(cast.learner)).toHaveLength(1);
		for (const outsider of [
			cast.instructor,
			cast.otherLearner,
			cast.orgAdmin,
			cast.platformAdmin
		]) {
			expect(await seen(outsider), outsider.displayName).toHaveLength(0);
		}
		await expect(seen(null)).rejects.toMatchObject({ code: '42501' });

		const insert = (who: TestUser, addedBy: string, channel = conversationId) =>
			withUser(
				actor(who),
				(tx) => tx`
				insert into public.conversation_files (id, channel_id, blob_key, filename, content_type, size_bytes, added_by)
				select id, ${channel}, 'c/' || ${channel} || '/' || id, 'f.pdf', 'application/pdf', 1, ${addedBy}
				from (select gen_random_uuid() as id) x`
			);
		// As someone else, or into a conversation one is not in: refused.
		await expect(insert(cast.fellow, cast.learner.id)).rejects.toMatchObject({ code: '42501' });
		await expect(insert(cast.otherLearner, cast.otherLearner.id)).rejects.toMatchObject({
			code: '42501'
		});
		await expect(insert(cast.instructor, cast.instructor.id)).rejects.toMatchObject({
			code: '42501'
		});
		// Nobody changes a file's row.
		await expect(
			withUser(
				actor(cast.learner),
				(tx) => tx`update public.conversation_files set filename = 'x.pdf' where id = ${file.id}`
			)
		).rejects.toMatchObject({ code: '42501' });
		// Deleting another's file deletes nothing; one's own goes.
		const gone = (who: TestUser) =>
			withUser(
				actor(who),
				(tx) => tx`delete from public.conversation_files where id = ${file.id} returning id`
			);
		expect(await gone(cast.fellow)).toHaveLength(0);
		expect(await gone(cast.otherLearner)).toHaveLength(0);
		expect(await gone(cast.learner)).toHaveLength(1);
	});

	it('keeps a forged insert within the storage, however it is sent', async () => {
		await expect(
			withUser(
				actor(cast.learner),
				(tx) => tx`
				insert into public.conversation_files (id, channel_id, blob_key, filename, content_type, size_bytes, added_by)
				select id, ${conversationId}, 'c/' || ${conversationId} || '/' || id, 'f.zip', 'application/zip',
				       300000000, ${cast.learner.id}
				from (select gen_random_uuid() as id) x`
			)
		).rejects.toMatchObject({ code: '23514' });
	});
});

describe('mentions in a conversation', () => {
	it('records a mention of someone in it (accents folded), and of nobody outside it', async () => {
		const { message, created } = await chat.send(actor(cast.learner), {
			channelId: conversationId,
			clientId: randomUUID(),
			body: `@ines moreau and @${cast.instructor.displayName}, see this`
		});
		expect(created).toBe(true);
		const rows = await ownerDb()<{ userId: string }[]>`
			select user_id as "userId" from public.mentions where message_id = ${message.id}`;
		expect(rows.map((row) => row.userId)).toEqual([cast.ines.id]);
		// The picker offers the conversation's people to its people, and nobody to anyone else.
		const people = await chat.mentionables(actor(cast.fellow), conversationId);
		expect(people.people.map((person) => person.id).sort()).toEqual(
			[cast.learner.id, cast.fellow.id, cast.ines.id].sort()
		);
		expect(people.canMentionChannel).toBeFalsy();
		await expect(chat.mentionables(actor(cast.otherLearner), conversationId)).rejects.toMatchObject(
			{
				status: 404
			}
		);
	});
});

describe('the "New conversation" search', () => {
	async function search(user: TestUser | null, q: string) {
		const response = await contactsRoute.GET(
			event(
				'/api/v1/me/contacts',
				user,
				{},
				{ method: 'GET', query: `?q=${encodeURIComponent(q)}` }
			)
		);
		return { status: response.status, body: await response.json() };
	}

	it('finds people the caller may message by part of a name, without accents or case', async () => {
		const { status, body } = await search(cast.learner, 'INES');
		expect(status).toBe(200);
		expect(body).toEqual([{ id: cast.ines.id, displayName: 'Inès Moreau' }]);
		expect(JSON.stringify(body)).not.toContain('@');
		// The caller is never offered to themselves.
		const own = await search(cast.learner, cast.learner.displayName);
		expect(own.status).toBe(200);
		expect(own.body.map((person: { id: string }) => person.id)).not.toContain(cast.learner.id);
	});

	it('offers nobody the caller may not message', async () => {
		await ownerDb()`update public.organisations set learners_message_learners = false where id = ${cast.org.id}`;
		try {
			expect((await search(cast.learner, 'Inès')).body).toEqual([]);
			// Course staff still reach their learners.
			expect((await search(cast.instructor, 'Inès')).body).toEqual([
				{ id: cast.ines.id, displayName: 'Inès Moreau' }
			]);
		} finally {
			await ownerDb()`update public.organisations set learners_message_learners = true where id = ${cast.org.id}`;
		}
		expect((await search(cast.otherLearner, 'Inès')).body).toEqual([]);
		expect((await search(cast.foreignLearner, 'Learner')).body).toEqual([]);
	});

	it('answers bad searches with a clear error', async () => {
		expect((await search(null, 'x')).status).toBe(401);
		for (const q of ['', '   ', 'x'.repeat(101)]) {
			const { status, body } = await search(cast.learner, q);
			expect(status, JSON.stringify(q)).toBe(400);
			expect(body.error.message).toEqual(expect.any(String));
		}
		// Invisible characters alone are no name.
		expect((await search(cast.learner, '\u200b\u200d\u2066')).status).toBe(400);
	});
});
