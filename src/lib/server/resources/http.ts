import busboy from 'busboy';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Actor, Via } from '$lib/server/db';
import { DomainError, invalid } from '$lib/server/errors';
import { maxUploadBytes, upload, type Resource, type UploadInput } from './index';

/** Paths whose bodies may be as large as one upload (hooks.server.ts lets them past its 2 MB cap). */
export const UPLOAD_PATHS = [
	/^\/api\/v1\/groups\/[^/]+\/resources\/files\/?$/,
	/^\/groups\/[^/]+\/resources\/upload\/?$/,
	/^\/api\/v1\/conversations\/[^/]+\/files\/?$/,
	/^\/messages\/[^/]+\/files\/?$/
];

/** The most an upload request may carry: the file plus room for the form around it. */
export function maxUploadRequestBytes() {
	return maxUploadBytes() + 1024 * 1024;
}

const DETAIL_FIELDS = ['title', 'description', 'folder', 'tags'] as const;

function bodyOf(request: Request): Readable {
	if (!request.body) throw invalid('Send the file in the body of the request.');
	return Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>);
}

/**
 * Reads an upload from a request as it arrives, never whole into memory: either a
 * multipart/form-data form (a `file` field, with title, description, folder and tags fields
 * before it), or the raw bytes with the name in `?filename=` and the details in the query.
 */
export async function uploadFromRequest(
	actor: Actor,
	groupId: string,
	request: Request,
	url: URL,
	via: Via
): Promise<Resource> {
	return readUpload(request, url, (input) => upload(actor, groupId, input, via));
}

/** The same reading of a request, handing the upload to `accept` (any place that keeps files). */
export async function readUpload<T>(
	request: Request,
	url: URL,
	accept: (input: UploadInput) => Promise<T>
): Promise<T> {
	const type = request.headers.get('content-type') ?? '';
	const length = request.headers.get('content-length');
	const declared = length !== null && /^\d+$/.test(length) ? Number(length) : null;
	if (declared !== null && declared > maxUploadRequestBytes()) {
		throw new DomainError(
			413,
			'too_large',
			`The file is too large: upload at most ${Math.round((maxUploadBytes() / 1024 / 1024) * 10) / 10} MB.`
		);
	}
	if (!/^multipart\/form-data/i.test(type)) {
		const details = Object.fromEntries(
			DETAIL_FIELDS.flatMap((field) => {
				const value = url.searchParams.get(field);
				return value === null ? [] : [[field, value]];
			})
		);
		return accept({
			filename: url.searchParams.get('filename') ?? '',
			body: bodyOf(request),
			declaredSize: declared,
			details
		});
	}
	const body = bodyOf(request);
	return new Promise<T>((resolve, reject) => {
		let parser: busboy.Busboy;
		try {
			parser = busboy({
				headers: { 'content-type': type },
				limits: { files: 1, fields: 10, fieldSize: 10_000, parts: 12 },
				defParamCharset: 'utf8',
				// The name as sent, so a name with folders in it is refused rather than quietly cut.
				preservePath: true
			});
		} catch {
			body.resume();
			reject(invalid('The upload is not a valid form: send multipart/form-data with a boundary.'));
			return;
		}
		const fields: Record<string, string> = {};
		let started = false;
		parser.on('field', (name, value) => {
			if ((DETAIL_FIELDS as readonly string[]).includes(name)) fields[name] = value;
		});
		parser.on('file', (name, stream, info) => {
			if (started || name !== 'file') {
				stream.resume();
				return;
			}
			started = true;
			accept({ filename: info.filename ?? '', body: stream, details: fields }).then(
				resolve,
				reject
			);
		});
		parser.on('close', () => {
			if (!started) reject(invalid('Choose a file to upload (a form field named "file").'));
		});
		parser.on('error', () => {
			if (!started) reject(invalid('The upload is not a valid multipart form.'));
		});
		body.on('error', (error) => parser.destroy(error));
		body.pipe(parser);
	});
}
