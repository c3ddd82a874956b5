/**
 * Receiving an uploaded file, for any place that keeps files (a group's library, a conversation):
 * checked before anything is stored — the name is safe, the size is within the upload limit and
 * the place's remaining storage (counted as the bytes arrive), the content is an allowed type
 * matching the name — then spooled to a temporary file, put in the blob store, and only then
 * recorded by the caller (whose insert re-checks the storage under a lock). If any step fails, the
 * blob and the temporary file are removed, so nothing is left half-stored.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '$lib/server/errors';
import { blobStore, readFile } from './blob-store';
import { safeFilename, sniff, SniffError, SNIFF_BYTES, type Sniffed } from '$lib/files/sniff';

export const MB = 1024 * 1024;

/** The largest file one upload may carry (UPLOAD_MAX_BYTES, 25 MB by default). */
export function maxUploadBytes(): number {
	const configured = Number(process.env.UPLOAD_MAX_BYTES);
	return Number.isFinite(configured) && configured > 0 ? configured : 25 * MB;
}

export function formatMb(bytes: number) {
	return `${Math.round((bytes / MB) * 10) / 10} MB`;
}

export type UploadInput = {
	/** The name the uploader's computer gave the file. */
	filename: string;
	/** The bytes, as they arrive. */
	body: Readable;
	/** Content-Length when the client sent one: refused early when it is already too large. */
	declaredSize?: number | null;
	/** Title, description, folder, tags. */
	details?: unknown;
};

/** A stream stage that counts bytes, stops at `limit`, and keeps the first bytes for sniffing. */
class Inspector extends Transform {
	size = 0;
	head = Buffer.alloc(0);
	private decoder = new TextDecoder('utf-8', { fatal: true });
	text = true;

	constructor(
		private readonly limit: number,
		private readonly tooLarge: () => DomainError
	) {
		super();
	}

	_transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
		this.size += chunk.length;
		if (this.size > this.limit) {
			callback(this.tooLarge());
			return;
		}
		if (this.head.length < SNIFF_BYTES) {
			this.head = Buffer.concat([this.head, chunk.subarray(0, SNIFF_BYTES - this.head.length)]);
		}
		if (this.text) {
			try {
				this.decoder.decode(chunk, { stream: true });
				if (chunk.includes(0)) this.text = false;
			} catch {
				this.text = false;
			}
		}
		callback(null, chunk);
	}

	_flush(callback: TransformCallback) {
		if (this.text) {
			try {
				this.decoder.decode();
			} catch {
				this.text = false;
			}
		}
		callback();
	}
}

/**
 * Reads and discards what is left of a refused upload (bounded by the server's body limit), for
 * at most a few seconds, then gives up on the connection.
 */
async function drain(body: Readable, timeoutMs = 10_000) {
	if (body.readableEnded || body.destroyed) return;
	await new Promise<void>((resolve) => {
		const timer = setTimeout(() => {
			body.destroy();
			resolve();
		}, timeoutMs);
		const done = () => {
			clearTimeout(timer);
			resolve();
		};
		body.once('end', done);
		body.once('close', done);
		body.once('error', done);
		body.resume();
	});
}

function spoolDir() {
	return process.env.UPLOAD_TMP_DIR ?? path.join(tmpdir(), 'tessera-uploads');
}

function refuse(error: SniffError): DomainError {
	return new DomainError(
		error.code === 'extension_mismatch' ? 400 : 415,
		'unsupported_file',
		error.message
	);
}

/** Where a received file goes, and what the place allows. */
export type Destination<D, T> = {
	/** Parses the details sent with the file (throws a DomainError when they are bad). */
	details: (raw: unknown) => D;
	/** Checks the uploader may add files here and answers the bytes left in its storage. */
	remaining: () => Promise<number>;
	/** The blob key of a new file with this id. */
	key: (id: string) => string;
	/** The refusal when the file does not fit in what is left. */
	full: (remaining: number) => DomainError;
	/** Records the stored file (a database row); a failure here removes the blob again. */
	record: (file: ReceivedFile<D>) => Promise<T>;
};

export type ReceivedFile<D> = {
	id: string;
	key: string;
	filename: string;
	contentType: string;
	size: number;
	details: D;
};

/**
 * Takes in an upload for `destination`. The bytes are taken in from the start, so a client that
 * goes away at any point is noticed. Piped, not pipelined: a refusal stops storing but lets the
 * rest of the request arrive, so the client reads a clear answer instead of a reset connection.
 */
export async function receive<D, T>(
	input: UploadInput,
	destination: Destination<D, T>
): Promise<T> {
	const source = new PassThrough();
	// Until the bytes are consumed below (after some awaits), nobody listens on `source`: a client
	// gone by then must not be an unhandled 'error' event. The error stays on `source.errored`,
	// and the consumer's pipeline rejects with it.
	source.on('error', () => {});
	input.body.on('error', (error) => source.destroy(error));
	input.body.on('close', () => {
		if (!input.body.readableEnded) source.destroy(new Error('The upload was cut off.'));
	});
	input.body.pipe(source);
	const refuseEarly = async (error: unknown): Promise<never> => {
		input.body.unpipe(source);
		source.destroy();
		await drain(input.body);
		throw error;
	};
	let details: D;
	let filename: string;
	try {
		details = destination.details(input.details ?? {});
		filename = safeFilename(input.filename);
	} catch (error) {
		return refuseEarly(
			error instanceof SniffError ? new DomainError(400, 'unsafe_filename', error.message) : error
		);
	}
	const maxBytes = maxUploadBytes();
	const remaining = await destination.remaining().catch(refuseEarly);
	const tooLarge = () =>
		new DomainError(
			413,
			'too_large',
			`The file is too large: upload at most ${formatMb(maxBytes)}.`
		);
	const full = () => destination.full(Math.max(0, remaining));
	const limit = Math.min(maxBytes, Math.max(0, remaining));
	if (input.declaredSize != null && input.declaredSize > limit) {
		return refuseEarly(input.declaredSize > maxBytes ? tooLarge() : full());
	}

	const id = randomUUID();
	const key = destination.key(id);
	await mkdir(spoolDir(), { recursive: true });
	const spooled = path.join(spoolDir(), `${id}.upload`);
	const inspector = new Inspector(limit, () => (limit < maxBytes ? full() : tooLarge()));
	let stored = false;
	const spool = createWriteStream(spooled, { flags: 'wx' });
	try {
		await pipeline(source, inspector, spool);
		if (inspector.size === 0) throw new DomainError(400, 'empty_file', 'The file is empty.');
		let sniffed: Sniffed;
		try {
			sniffed = sniff(new Uint8Array(inspector.head), filename);
		} catch (error) {
			if (error instanceof SniffError) throw refuse(error);
			throw error;
		}
		if (sniffed.family === 'text' && !inspector.text) {
			throw new DomainError(
				415,
				'unsupported_file',
				'The file starts as text but is not valid UTF-8 text throughout. Save it as UTF-8, or share it as a ZIP.'
			);
		}
		const size = (await stat(spooled)).size;
		const store = await blobStore();
		await store.put(key, readFile(spooled), { size, contentType: sniffed.contentType });
		stored = true;
		const recorded = await destination.record({
			id,
			key,
			filename,
			contentType: sniffed.contentType,
			size,
			details
		});
		stored = false;
		return recorded;
	} catch (error) {
		input.body.unpipe(source);
		await drain(input.body);
		if (stored) {
			await (
				await blobStore()
			)
				.delete(key)
				.catch((cleanup) => console.error(`Could not remove blob ${key}`, cleanup));
		}
		throw error;
	} finally {
		// A source that failed at once fails the pipeline before the file is even opened: wait for
		// the spool to close, or the removal runs first and the open creates the file afterwards.
		if (!spool.closed) await new Promise<void>((resolve) => spool.once('close', () => resolve()));
		await rm(spooled, { force: true });
	}
}
