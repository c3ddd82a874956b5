import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as resources from '$lib/server/resources';
import { CHAT_FOLDER } from '$lib/files/upload';
import { groupCast, type Cast } from './group-cast';
import { actor } from './helpers';
import { collect, connectAs, next, pause, startServer, type Client } from './realtime-helpers';
import { PNG, useTemporaryBlobDirs } from './upload-helpers';

// The library updates live: a file shared from the chat composer (or anywhere) tells the group's
// open pages to read the library again, through a real Socket.IO client, and tells nobody else.
// The composer's storage question answers readers only.

type Changed = { groupId: string; resourceId: string; change: 'added' | 'updated' | 'removed' };

let cast: Cast;
let server: Awaited<ReturnType<typeof startServer>>;
const clients: Client[] = [];
const blobs = useTemporaryBlobDirs();

beforeAll(async () => {
	process.env.MEMBERSHIP_SWEEP_MS = '600000';
	cast = await groupCast();
	server = await startServer();
});

afterAll(async () => {
	for (const client of clients) client.disconnect();
	await server.close();
	blobs.cleanup();
});

describe('live library', () => {
	it('tells the group’s members (ids only) when a file is shared, changed and removed, and nobody outside', async () => {
		const [member, stranger] = await Promise.all(
			[cast.learnerG, cast.learnerH].map((user) => connectAs(server.url, user, clients))
		);
		const outside = collect<Changed>(stranger, 'resources:changed');
		const added = next<Changed>(member, 'resources:changed', (event) => event.change === 'added');
		const file = await resources.upload(actor(cast.learnerG), cast.G.id, {
			filename: 'photo.png',
			body: Readable.from([PNG]),
			details: { folder: CHAT_FOLDER }
		});
		expect(file).toMatchObject({ folder: 'Shared in chat', contentType: 'image/png' });
		expect(await added).toEqual({ groupId: cast.G.id, resourceId: file.id, change: 'added' });

		const updated = next<Changed>(
			member,
			'resources:changed',
			(event) => event.change === 'updated'
		);
		await resources.update(actor(cast.learnerG), file.id, { title: 'Our photo' });
		expect(await updated).toMatchObject({ resourceId: file.id });

		const removed = next<Changed>(
			member,
			'resources:changed',
			(event) => event.change === 'removed'
		);
		await resources.remove(actor(cast.learnerG), file.id);
		expect(await removed).toEqual({ groupId: cast.G.id, resourceId: file.id, change: 'removed' });

		await pause(300);
		expect(outside).toEqual([]);
	});

	it('tells nothing when an upload is refused', async () => {
		const member = await connectAs(server.url, cast.learnerH, clients);
		const seen = collect<Changed>(member, 'resources:changed');
		await expect(
			resources.upload(actor(cast.learnerH), cast.H.id, {
				filename: 'page.png',
				body: Readable.from([Buffer.from('<html><script>alert(1)</script></html>')])
			})
		).rejects.toMatchObject({ status: 415 });
		await pause(300);
		expect(seen).toEqual([]);
	});
});

describe('storage before an upload', () => {
	it('answers a reader with the limit and what is left, and a stranger not at all', async () => {
		const answer = await resources.storage(actor(cast.learnerG), cast.G.id);
		expect(answer).toMatchObject({
			usedBytes: expect.any(Number),
			quotaBytes: expect.any(Number),
			maxUploadBytes: 25 * 1024 * 1024
		});
		expect(answer.remainingBytes).toBe(answer.quotaBytes - answer.usedBytes);
		await expect(resources.storage(actor(cast.learnerH), cast.G.id)).rejects.toMatchObject({
			status: 404
		});
		await expect(resources.storage(null, cast.G.id)).rejects.toMatchObject({ status: 404 });
	});
});
