import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as resources from '$lib/server/resources';
import {
	BlobNotFoundError,
	blobStore,
	resetBlobStore,
	SupabaseStore
} from '$lib/server/resources/blob-store';
import { groupCast, type Cast } from './group-cast';
import { actor } from './helpers';
import { PDF, PNG, streamOf, useTemporaryBlobDirs } from './upload-helpers';

// The Supabase Storage blob store, through the real @supabase/supabase-js client, against an
// in-process server that speaks the Storage REST endpoints the client calls (upload, sign,
// download by signed URL, remove). No network reaches a real Supabase project from here; this
// proves the client calls, the key handling and the error mapping, not Supabase itself.

const SERVICE_KEY = 'service-role-key-for-tests';
const dirs = useTemporaryBlobDirs();
let server: Server;
let url: string;
const objects = new Map<string, { bytes: Buffer; contentType: string }>();
const requests: { method: string; path: string; authorised: boolean }[] = [];

// Real signed URLs carry a JWT: URL-safe characters only.
const tokenFor = (key: string) => Buffer.from(`signed:${key}`).toString('base64url');

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(Buffer.from(chunk));
	return Buffer.concat(chunks);
}

function startStorage(): Promise<void> {
	server = createServer(async (request, response) => {
		const { pathname, searchParams } = new URL(request.url!, 'http://storage');
		const authorised =
			request.headers.authorization === `Bearer ${SERVICE_KEY}` &&
			request.headers.apikey === SERVICE_KEY;
		requests.push({ method: request.method!, path: pathname, authorised });
		const json = (status: number, value: unknown) => {
			response.writeHead(status, { 'content-type': 'application/json' });
			response.end(JSON.stringify(value));
		};
		const signed = pathname.match(/^\/storage\/v1\/object\/sign\/([^/]+)\/(.+)$/);
		if (signed && request.method === 'GET') {
			const key = `${signed[1]}/${decodeURIComponent(signed[2])}`;
			const object = objects.get(key);
			if (searchParams.get('token') !== tokenFor(key)) {
				return json(400, { error: 'InvalidSignature' });
			}
			if (!object) return json(404, { error: 'not_found' });
			response.writeHead(200, { 'content-type': object.contentType });
			return response.end(object.bytes);
		}
		if (!authorised) {
			return json(403, { statusCode: '403', error: 'Unauthorized', message: 'bad key' });
		}
		if (signed && request.method === 'POST') {
			const key = `${signed[1]}/${decodeURIComponent(signed[2])}`;
			await bodyOf(request);
			if (!objects.has(key)) {
				return json(400, { statusCode: '404', error: 'not_found', message: 'Object not found' });
			}
			return json(200, {
				signedURL: `/object/sign/${key}?token=${tokenFor(key)}`
			});
		}
		const object = pathname.match(/^\/storage\/v1\/object\/([^/]+)\/(.+)$/);
		if (object && request.method === 'POST') {
			const key = `${object[1]}/${decodeURIComponent(object[2])}`;
			const bytes = await bodyOf(request);
			if (objects.has(key) && request.headers['x-upsert'] !== 'true') {
				return json(400, {
					statusCode: '409',
					error: 'Duplicate',
					message: 'The resource already exists'
				});
			}
			objects.set(key, { bytes, contentType: String(request.headers['content-type']) });
			return json(200, { Key: key, Id: key });
		}
		const bucket = pathname.match(/^\/storage\/v1\/object\/([^/]+)$/);
		if (bucket && request.method === 'DELETE') {
			const { prefixes } = JSON.parse((await bodyOf(request)).toString()) as { prefixes: string[] };
			const removed = prefixes.filter((prefix) => objects.delete(`${bucket[1]}/${prefix}`));
			return json(
				200,
				removed.map((name) => ({ name }))
			);
		}
		json(404, { error: 'no such route' });
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
}

let cast: Cast;

beforeAll(async () => {
	await startStorage();
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	cast = await groupCast();
});

afterAll(async () => {
	delete process.env.BLOB_STORE;
	resetBlobStore();
	dirs.cleanup();
	await new Promise((resolve) => server.close(resolve));
});

async function readAll(stream: Readable) {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(Buffer.from(chunk));
	return Buffer.concat(chunks);
}

describe('Supabase Storage blob store', () => {
	it('puts, gets and deletes through the client with the service key, never overwriting', async () => {
		const store = await SupabaseStore.fromEnv({
			SUPABASE_URL: url,
			SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
			SUPABASE_STORAGE_BUCKET: 'library'
		});
		await store.put('g/one/two', streamOf(PNG), { size: PNG.length, contentType: 'image/png' });
		expect(objects.get('library/g/one/two')).toEqual({ bytes: PNG, contentType: 'image/png' });
		expect(await readAll(await store.get('g/one/two'))).toEqual(PNG);
		await expect(
			store.put('g/one/two', streamOf(PDF), { size: PDF.length, contentType: 'application/pdf' })
		).rejects.toThrow(/refused/);
		expect(objects.get('library/g/one/two')!.bytes).toEqual(PNG);
		await store.delete('g/one/two');
		await expect(store.get('g/one/two')).rejects.toBeInstanceOf(BlobNotFoundError);
		await expect(
			store.put('../escape', streamOf(PDF), { size: PDF.length, contentType: 'application/pdf' })
		).rejects.toThrow(/unsafe/);
		expect(requests.every((request) => request.authorised || request.method === 'GET')).toBe(true);
	});

	it('refuses to start without the service key, and fails loudly with a wrong one', async () => {
		await expect(SupabaseStore.fromEnv({ SUPABASE_URL: url })).rejects.toThrow(
			/SUPABASE_SERVICE_ROLE_KEY/
		);
		const wrong = await SupabaseStore.fromEnv({
			SUPABASE_URL: url,
			SUPABASE_SERVICE_ROLE_KEY: 'nope'
		});
		await expect(
			wrong.put('g/x/y', streamOf(PDF), { size: PDF.length, contentType: 'application/pdf' })
		).rejects.toThrow();
		expect(objects.has('resources/g/x/y')).toBe(false);
	});

	it('serves the library when BLOB_STORE=supabase: upload, download, delete', async () => {
		process.env.BLOB_STORE = 'supabase';
		process.env.SUPABASE_URL = url;
		process.env.SUPABASE_SERVICE_ROLE_KEY = SERVICE_KEY;
		delete process.env.SUPABASE_STORAGE_BUCKET;
		resetBlobStore();
		try {
			expect(await blobStore()).toBeInstanceOf(SupabaseStore);
			const file = await resources.upload(actor(cast.learnerG), cast.G.id, {
				filename: 'brief.pdf',
				body: streamOf(PDF)
			});
			expect(objects.get(`resources/g/${cast.G.id}/${file.id}`)?.bytes).toEqual(PDF);
			const download = await resources.open(actor(cast.leaderG), file.id);
			expect(await readAll(download.body)).toEqual(PDF);
			await expect(resources.open(actor(cast.learnerH), file.id)).rejects.toMatchObject({
				status: 404
			});
			await resources.remove(actor(cast.learnerG), file.id);
			expect(objects.has(`resources/g/${cast.G.id}/${file.id}`)).toBe(false);
			// Nothing of it went to the local disk.
			expect(dirs.files().filter((name) => name.startsWith('blobs'))).toEqual([]);
		} finally {
			delete process.env.BLOB_STORE;
			delete process.env.SUPABASE_URL;
			delete process.env.SUPABASE_SERVICE_ROLE_KEY;
			resetBlobStore();
		}
	});
});
