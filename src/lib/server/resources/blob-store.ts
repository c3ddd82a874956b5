import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where the bytes of shared files live (DESIGN §7). Keys are made by the app, never by users
 * (`g/<group id>/<resource id>`); callers authorise against the resources row before any call.
 */
export interface BlobStore {
	/** Stores `body` under `key`, all or nothing: a failed put leaves no object behind. */
	put(key: string, body: Readable, info: { size: number; contentType: string }): Promise<void>;
	/** The bytes under `key`, or a BlobNotFoundError. */
	get(key: string): Promise<Readable>;
	/** Removes `key`; removing what is not there is not an error. */
	delete(key: string): Promise<void>;
}

export class BlobNotFoundError extends Error {
	constructor(key: string) {
		super(`No blob under ${key}`);
		this.name = 'BlobNotFoundError';
	}
}

const KEY = /^[a-z0-9]+(?:[/-][a-z0-9]+)*$/;

function checkKey(key: string) {
	if (!KEY.test(key) || key.length > 200) throw new Error(`Refusing an unsafe blob key: ${key}`);
}

/** The default: files under a folder on the local disk (`.data/blobs`). */
export class LocalDiskStore implements BlobStore {
	readonly root: string;

	constructor(root: string) {
		this.root = path.resolve(root);
	}

	private pathOf(key: string) {
		checkKey(key);
		const file = path.resolve(this.root, key);
		if (!file.startsWith(this.root + path.sep)) {
			throw new Error(`Blob key escapes the store: ${key}`);
		}
		return file;
	}

	async put(key: string, body: Readable, info: { size: number }) {
		const file = this.pathOf(key);
		await mkdir(path.dirname(file), { recursive: true });
		// Written beside the target and renamed into place: a reader never sees half a file.
		const partial = `${file}.part-${randomBytes(6).toString('hex')}`;
		try {
			await pipeline(body, createWriteStream(partial, { flags: 'wx' }));
			const written = (await stat(partial)).size;
			if (written !== info.size) {
				throw new Error(`Blob ${key}: wrote ${written} bytes, expected ${info.size}`);
			}
			await rename(partial, file);
		} catch (error) {
			await rm(partial, { force: true });
			throw error;
		}
	}

	async get(key: string) {
		const file = this.pathOf(key);
		try {
			await stat(file);
		} catch {
			throw new BlobNotFoundError(key);
		}
		return createReadStream(file);
	}

	async delete(key: string) {
		await rm(this.pathOf(key), { force: true });
	}
}

type StorageBucket = {
	upload(
		key: string,
		body: Buffer | ReadableStream,
		options: { contentType: string; upsert: boolean; duplex?: string }
	): Promise<{ error: { message: string } | null }>;
	createSignedUrl(
		key: string,
		expiresIn: number
	): Promise<{ data: { signedUrl: string } | null; error: { message: string } | null }>;
	remove(keys: string[]): Promise<{ error: { message: string } | null }>;
};

/**
 * Supabase Storage, through its client (@supabase/storage-js, the storage part of supabase-js)
 * with the service key. The bucket should be
 * private: the app authorises every read against the RLS-protected resources row, then streams
 * the object through a signed URL that lives for a minute.
 */
export class SupabaseStore implements BlobStore {
	constructor(private readonly bucket: StorageBucket) {}

	static async fromEnv(env: NodeJS.ProcessEnv = process.env): Promise<SupabaseStore> {
		const url = env.SUPABASE_URL;
		const key = env.SUPABASE_SERVICE_ROLE_KEY;
		if (!url || !key) {
			throw new Error(
				'BLOB_STORE=supabase needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (the service key).'
			);
		}
		// The Storage client of supabase-js on its own: supabase-js's full client also opens a
		// realtime client, which needs a WebSocket that Node 20 does not have.
		const { StorageClient } = await import('@supabase/storage-js');
		const client = new StorageClient(`${url.replace(/\/$/, '')}/storage/v1`, {
			apikey: key,
			Authorization: `Bearer ${key}`
		});
		return new SupabaseStore(
			client.from(env.SUPABASE_STORAGE_BUCKET ?? 'resources') as unknown as StorageBucket
		);
	}

	async put(key: string, body: Readable, info: { size: number; contentType: string }) {
		checkKey(key);
		// Uploads are at most the upload limit and already checked on disk: sent as one buffer,
		// which Storage accepts whole or not at all.
		const chunks: Buffer[] = [];
		for await (const chunk of body) chunks.push(Buffer.from(chunk));
		const buffer = Buffer.concat(chunks);
		if (buffer.length !== info.size) {
			throw new Error(`Blob ${key}: read ${buffer.length} bytes, expected ${info.size}`);
		}
		const { error } = await this.bucket.upload(key, buffer, {
			contentType: info.contentType,
			upsert: false
		});
		if (error) throw new Error(`Supabase Storage refused ${key}: ${error.message}`);
	}

	async get(key: string) {
		checkKey(key);
		const { data, error } = await this.bucket.createSignedUrl(key, 60);
		if (error || !data) throw new BlobNotFoundError(key);
		const response = await fetch(data.signedUrl);
		if (response.status === 404 || response.status === 400) throw new BlobNotFoundError(key);
		if (!response.ok || !response.body) {
			throw new Error(`Supabase Storage answered ${response.status} for ${key}`);
		}
		return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
	}

	async delete(key: string) {
		checkKey(key);
		const { error } = await this.bucket.remove([key]);
		if (error) throw new Error(`Supabase Storage could not delete ${key}: ${error.message}`);
	}
}

const STORE = Symbol.for('tessera.blobStore');
const store = globalThis as unknown as Record<symbol, Promise<BlobStore> | undefined>;

/** The local folder for blobs: BLOB_DIR, else `<data dir>/blobs`. */
export function localBlobDir(env: NodeJS.ProcessEnv = process.env) {
	return env.BLOB_DIR ?? path.join(env.TESSERA_DATA_DIR ?? '.data', 'blobs');
}

/** The store this process uses: BLOB_STORE=supabase for Supabase Storage, local disk otherwise. */
export function blobStore(): Promise<BlobStore> {
	store[STORE] ??=
		process.env.BLOB_STORE === 'supabase'
			? SupabaseStore.fromEnv()
			: Promise.resolve(new LocalDiskStore(localBlobDir()));
	return store[STORE];
}

/** Forgets the store, so changed settings (tests) take effect. */
export function resetBlobStore() {
	store[STORE] = undefined;
}

/** A readable stream of a file on disk (the spooled upload). */
export const readFile = (file: string) => createReadStream(file);
