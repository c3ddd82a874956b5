import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as resources from '$lib/server/resources';
import { maxUploadBytes } from '$lib/server/resources';
import { blobStore } from '$lib/server/resources/blob-store';
import { groupCast, type Cast } from './group-cast';
import { actor, ownerDb } from './helpers';
import { generated, PDF, PNG, streamOf, useTemporaryBlobDirs } from './upload-helpers';

const dirs = useTemporaryBlobDirs();
let cast: Cast;

beforeAll(async () => {
	cast = await groupCast();
});

afterAll(() => dirs.cleanup());

async function readAll(stream: Readable): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(Buffer.from(chunk));
	return Buffer.concat(chunks);
}

describe('links', () => {
	it('lets a learner of the group share a link with a folder and tags, and lists it for the group', async () => {
		const link = await resources.createLink(actor(cast.learnerG), cast.G.id, {
			title: '  Reading list ',
			url: 'https://example.org/reading',
			folder: 'Week 1',
			tags: 'Reading, week-1, reading'
		});
		expect(link).toMatchObject({
			kind: 'link',
			title: 'Reading list',
			url: 'https://example.org/reading',
			folder: 'Week 1',
			tags: ['reading', 'week-1'],
			addedBy: { id: cast.learnerG.id, displayName: 'learnerG' },
			canRemove: true
		});
		const library = await resources.list(actor(cast.learnerG1), cast.G.id);
		expect(library.items.map((item) => item.id)).toContain(link.id);
		expect(library.folders).toContainEqual({ name: 'Week 1', count: 1 });
		expect(library.tags).toEqual(
			expect.arrayContaining([
				{ name: 'reading', count: 1 },
				{ name: 'week-1', count: 1 }
			])
		);
		expect(library.items.find((item) => item.id === link.id)!.canRemove).toBe(false);
		const byTag = await resources.list(actor(cast.learnerG), cast.G.id, { tag: 'week-1' });
		expect(byTag.items.map((item) => item.id)).toEqual([link.id]);
		const bySearch = await resources.list(actor(cast.learnerG), cast.G.id, { search: 'READING' });
		expect(bySearch.items.map((item) => item.id)).toEqual([link.id]);
		const none = await resources.list(actor(cast.learnerG), cast.G.id, { search: '100%_' });
		expect(none.items).toEqual([]);
	});

	it('refuses links that are not http(s), and bad titles, folders and tags, storing nothing', async () => {
		const before = await ownerDb()`select count(*)::int as n from public.resources`;
		const attempts = [
			{ title: 'x', url: 'javascript:alert(1)' },
			{ title: 'x', url: 'data:text/html,<script>alert(1)</script>' },
			{ title: 'x', url: 'https://exa mple.org' },
			{ title: '', url: 'https://example.org' },
			{ title: 'x'.repeat(201), url: 'https://example.org' },
			{ title: 'x', url: 'https://example.org', folder: '../etc' },
			{
				title: 'x',
				url: 'https://example.org',
				tags: Array.from({ length: 21 }, (_, i) => `t${i}`)
			},
			{ title: 'x\u0000', url: 'https://example.org' },
			{ title: 'x', url: `https://example.org/${'a'.repeat(2000)}` }
		];
		for (const input of attempts) {
			await expect(
				resources.createLink(actor(cast.learnerG), cast.G.id, input)
			).rejects.toMatchObject({
				status: 400
			});
		}
		expect(await ownerDb()`select count(*)::int as n from public.resources`).toEqual(before);
	});

	it('answers not found to an outsider, a learner of the sibling group and anonymous visitors', async () => {
		for (const who of [actor(cast.outsider), actor(cast.learnerH), actor(cast.leaderH), null]) {
			await expect(resources.list(who, cast.G.id)).rejects.toMatchObject({ status: 404 });
			await expect(
				resources.createLink(who, cast.G.id, { title: 'x', url: 'https://example.org' })
			).rejects.toMatchObject({ status: 404 });
		}
	});
});

describe('files', () => {
	it('stores an image, serves it to a reader of the group as an attachment with a preview flag', async () => {
		const file = await resources.upload(actor(cast.learnerG1), cast.G1.id, {
			filename: 'Café photo.png',
			body: streamOf(PNG),
			details: { folder: 'Photos', tags: ['trip'] }
		});
		expect(file).toMatchObject({
			kind: 'file',
			title: 'Café photo.png',
			filename: 'Café photo.png',
			contentType: 'image/png',
			size: PNG.length,
			previewable: true,
			folder: 'Photos'
		});
		// The leader of G leads G.1: they read it too.
		const download = await resources.open(actor(cast.leaderG), file.id);
		expect(await readAll(download.body)).toEqual(PNG);
		expect(download.headers).toMatchObject({
			'content-type': 'image/png',
			'content-length': String(PNG.length),
			'content-disposition': `attachment; filename="Caf_ photo.png"; filename*=UTF-8''Caf%C3%A9%20photo.png`,
			'x-content-type-options': 'nosniff',
			'content-security-policy': "default-src 'none'; sandbox"
		});
		await expect(resources.open(actor(cast.learnerG), file.id)).rejects.toMatchObject({
			status: 404
		});
		await expect(resources.open(actor(cast.learnerH), file.id)).rejects.toMatchObject({
			status: 404
		});
		await expect(resources.open(null, file.id)).rejects.toMatchObject({ status: 404 });
		const [storage] =
			await ownerDb()`select used_bytes::int as used from public.group_storage where group_id = ${cast.G1.id}`;
		expect(storage.used).toBe(PNG.length);
	});

	it('serves text as text with a charset, still as an attachment', async () => {
		const file = await resources.upload(actor(cast.learnerG), cast.G.id, {
			filename: 'notes.md',
			body: streamOf('# Notes\n\nÜbung 1: <b>bold</b> is fine in markdown.\n')
		});
		expect(file.previewable).toBe(false);
		const download = await resources.open(actor(cast.learnerG), file.id);
		expect(download.headers['content-type']).toBe('text/markdown; charset=utf-8');
		expect(download.headers['content-disposition']).toMatch(/^attachment;/);
		download.body.destroy();
	});

	it('lets the uploader and the leader delete a file, removing its bytes and freeing its quota, and nobody else', async () => {
		const upload = () =>
			resources.upload(actor(cast.learnerG1), cast.G1.id, {
				filename: 'brief.pdf',
				body: streamOf(PDF)
			});
		const first = await upload();
		const second = await upload();
		const blobsOf = (id: string) => dirs.files().filter((file) => file.endsWith(id));
		expect(blobsOf(first.id)).toHaveLength(1);
		const [{ used: usedBefore }] = await ownerDb()`
			select used_bytes::int as used from public.group_storage where group_id = ${cast.G1.id}`;
		for (const who of [cast.learnerG, cast.learnerG1a, cast.leaderH, cast.outsider]) {
			await expect(resources.remove(actor(who), first.id)).rejects.toMatchObject({ status: 404 });
		}
		await resources.remove(actor(cast.learnerG1), first.id);
		await resources.remove(actor(cast.leaderG1), second.id);
		expect(blobsOf(first.id)).toEqual([]);
		expect(blobsOf(second.id)).toEqual([]);
		await expect(resources.open(actor(cast.learnerG1), first.id)).rejects.toMatchObject({
			status: 404
		});
		const [{ used }] = await ownerDb()`
			select used_bytes::int as used from public.group_storage where group_id = ${cast.G1.id}`;
		expect(used).toBe(usedBefore - 2 * PDF.length);
	});

	it('keeps the group to its quota, even for uploads racing each other, and stores nothing of the refused ones', async () => {
		const group = cast.G1a.id;
		await ownerDb()`insert into public.group_storage (group_id, quota_bytes) values (${group}, ${PDF.length * 3})`;
		const results = await Promise.allSettled(
			Array.from({ length: 6 }, (_, i) =>
				resources.upload(actor(cast.learnerG1a), group, {
					filename: `part-${i}.pdf`,
					body: streamOf(PDF)
				})
			)
		);
		const stored = results.filter((result) => result.status === 'fulfilled');
		expect(stored).toHaveLength(3);
		for (const result of results) {
			if (result.status === 'rejected') {
				expect(result.reason).toMatchObject({ status: 413, code: 'quota_exceeded' });
				expect(result.reason.message).toMatch(/storage is full/);
			}
		}
		const rows = await ownerDb()`select id from public.resources where group_id = ${group}`;
		expect(rows).toHaveLength(3);
		const blobs = dirs.files().filter((file) => file.includes(group));
		expect(blobs.sort()).toEqual(rows.map((row) => `blobs/g/${group}/${row.id}`).sort());
		expect(dirs.files().filter((file) => file.startsWith('spool'))).toEqual([]);
		const [storage] =
			await ownerDb()`select used_bytes::int as used from public.group_storage where group_id = ${group}`;
		expect(storage.used).toBe(PDF.length * 3);
	});

	it('refuses a file over the upload limit as it streams, keeping nothing', async () => {
		process.env.UPLOAD_MAX_BYTES = String(256 * 1024);
		try {
			const before = dirs.files();
			await expect(
				resources.upload(actor(cast.learnerG), cast.G.id, {
					filename: 'big.pdf',
					body: generated(PDF, 256 * 1024 + 1)
				})
			).rejects.toMatchObject({ status: 413, code: 'too_large' });
			await expect(
				resources.upload(actor(cast.learnerG), cast.G.id, {
					filename: 'declared.pdf',
					body: streamOf(PDF),
					declaredSize: 10 * 1024 * 1024
				})
			).rejects.toMatchObject({ status: 413, code: 'too_large' });
			expect(dirs.files()).toEqual(before);
			// Exactly at the limit is fine.
			const exact = await resources.upload(actor(cast.learnerG), cast.G.id, {
				filename: 'exact.pdf',
				body: generated(PDF, 256 * 1024)
			});
			expect(exact.size).toBe(256 * 1024);
		} finally {
			delete process.env.UPLOAD_MAX_BYTES;
		}
		expect(maxUploadBytes()).toBe(25 * 1024 * 1024);
	});

	it('removes the stored bytes when the row cannot be written', async () => {
		// The group is deleted between the access check and the insert: the insert fails on its
		// foreign key, and the blob that was already put is removed again.
		const doomed = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, name) values ('organisation', ${cast.org.id}, 'Doomed')
			returning id`;
		const groupId = doomed[0].id;
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${groupId}, ${cast.learnerH.id})`;
		const body = new Readable({ read() {} });
		const pending = resources.upload(actor(cast.learnerH), groupId, { filename: 'late.pdf', body });
		await new Promise((resolve) => setTimeout(resolve, 200));
		body.push(PDF);
		await ownerDb()`delete from public.groups where id = ${groupId}`;
		body.push(null);
		await expect(pending).rejects.toMatchObject({ status: 404 });
		expect(dirs.files().filter((file) => file.includes(groupId))).toEqual([]);
		expect(dirs.files().filter((file) => file.startsWith('spool'))).toEqual([]);
	});

	it('keeps nothing when the uploader goes away mid-file', async () => {
		const body = new Readable({ read() {} });
		const pending = resources.upload(actor(cast.learnerG), cast.G.id, {
			filename: 'cut.pdf',
			body
		});
		body.push(PDF);
		await new Promise((resolve) => setTimeout(resolve, 50));
		body.destroy(new Error('client went away'));
		await expect(pending).rejects.toThrow();
		expect(dirs.files().filter((file) => file.startsWith('spool'))).toEqual([]);
		const rows = await ownerDb()`select 1 from public.resources where filename = 'cut.pdf'`;
		expect(rows).toHaveLength(0);
	});

	it('removes the bytes of a deleted group’s files by the cleanup job', async () => {
		const [{ id: groupId }] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, name) values ('organisation', ${cast.org.id}, 'Short-lived')
			returning id`;
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${groupId}, ${cast.learnerH.id})`;
		const files = await Promise.all(
			['a.pdf', 'b.pdf'].map((filename) =>
				resources.upload(actor(cast.learnerH), groupId, { filename, body: streamOf(PDF) })
			)
		);
		expect(dirs.files().filter((file) => file.includes(groupId))).toHaveLength(2);
		await ownerDb()`delete from public.groups where id = ${groupId}`;
		const queued = await ownerDb()`select blob_key from private.blob_deletions order by blob_key`;
		expect(queued.map((row) => row.blob_key)).toEqual(
			expect.arrayContaining(files.map((file) => `g/${groupId}/${file.id}`))
		);
		expect(await resources.removeQueuedBlobs()).toBeGreaterThanOrEqual(2);
		expect(dirs.files().filter((file) => file.includes(groupId))).toEqual([]);
		expect(await ownerDb()`select 1 from private.blob_deletions`).toHaveLength(0);
	});

	it('keeps a delete queued while the blob store cannot delete, and finishes it later', async () => {
		const file = await resources.upload(actor(cast.learnerG), cast.G.id, {
			filename: 'stuck.pdf',
			body: streamOf(PDF)
		});
		const store = await blobStore();
		const original = store.delete.bind(store);
		store.delete = async () => {
			throw new Error('store unavailable');
		};
		try {
			await resources.remove(actor(cast.learnerG), file.id);
		} finally {
			store.delete = original;
		}
		expect(dirs.files().filter((name) => name.endsWith(file.id))).toHaveLength(1);
		const [queued] =
			await ownerDb()`select blob_key from private.blob_deletions where blob_key like ${'%' + file.id}`;
		expect(queued).toBeDefined();
		await resources.removeQueuedBlobs();
		expect(dirs.files().filter((name) => name.endsWith(file.id))).toEqual([]);
	});

	it('lets admins of the scope, and nobody else, set a group’s quota; a full group refuses uploads', async () => {
		for (const who of [cast.learnerH, cast.leaderH, cast.leaderG, cast.otherOrgAdmin]) {
			await expect(
				resources.setQuota(actor(who), cast.H.id, { quotaBytes: 10 })
			).rejects.toMatchObject({
				status: 404
			});
		}
		for (const input of [{ quotaBytes: -1 }, { quotaBytes: 1.5 }, { quotaBytes: '10' }, {}]) {
			await expect(
				resources.setQuota(actor(cast.orgAdmin), cast.H.id, input)
			).rejects.toMatchObject({
				status: 400
			});
		}
		expect(await resources.setQuota(actor(cast.orgAdmin), cast.H.id, { quotaBytes: 10 })).toEqual({
			usedBytes: 0,
			quotaBytes: 10
		});
		await expect(
			resources.upload(actor(cast.learnerH), cast.H.id, { filename: 'x.pdf', body: streamOf(PDF) })
		).rejects.toMatchObject({ status: 413, code: 'quota_exceeded' });
		await resources.setQuota(actor(cast.platformAdmin), cast.H.id, { quotaBytes: 1024 * 1024 });
		const stored = await resources.upload(actor(cast.learnerH), cast.H.id, {
			filename: 'x.pdf',
			body: streamOf(PDF)
		});
		expect(stored.size).toBe(PDF.length);
		expect((await resources.list(actor(cast.learnerH), cast.H.id)).storage).toEqual({
			usedBytes: PDF.length,
			quotaBytes: 1024 * 1024
		});
	});
});
