import type { RequestEvent } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handle } from '../../src/hooks.server';
import * as filesRoute from '../../src/routes/api/v1/groups/[id]/resources/files/+server';
import * as downloadRoute from '../../src/routes/api/v1/groups/[id]/resources/[resourceId]/download/+server';
import * as resourceRoute from '../../src/routes/api/v1/groups/[id]/resources/[resourceId]/+server';
import * as appUpload from '../../src/routes/(app)/groups/[id]/resources/upload/+server';
import * as appDownload from '../../src/routes/(app)/groups/[id]/resources/[resourceId]/download/+server';
import type { SessionUser } from '$lib/server/auth/session';
import { groupCast, type Cast } from './group-cast';
import { ownerDb, type TestUser } from './helpers';
import { PDF, PNG, useTemporaryBlobDirs } from './upload-helpers';

// Upload attacks through the real route handlers (the same code the server runs behind
// hooks.server.ts), each followed by a look at the database and the blob folder: refused, and
// nothing stored, not even half.

const dirs = useTemporaryBlobDirs();
let cast: Cast;

beforeAll(async () => {
	cast = await groupCast();
});
afterAll(() => dirs.cleanup());

const sessionUser = (user: TestUser): SessionUser => ({
	id: user.id,
	email: user.email,
	displayName: user.displayName,
	platformRole: 'user'
});

type Call = {
	method?: string;
	user?: TestUser | null;
	params: Record<string, string>;
	body?: BodyInit;
	headers?: Record<string, string>;
	query?: Record<string, string>;
};

function event(path: string, call: Call): RequestEvent {
	const url = new URL(`http://127.0.0.1${path}`);
	for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
	const request = new Request(url, {
		method: call.method ?? 'POST',
		body: call.body,
		headers: call.headers,
		// @ts-expect-error Node's fetch needs this for streamed bodies.
		duplex: 'half'
	});
	return {
		request,
		url,
		params: call.params,
		locals: { user: call.user ? sessionUser(call.user) : null, session: null, via: 'api' },
		cookies: { get: () => undefined }
	} as unknown as RequestEvent;
}

async function uploadRaw(
	user: TestUser | null,
	groupId: string,
	filename: string,
	bytes: Buffer | string
) {
	const body = Buffer.from(bytes);
	return filesRoute.POST(
		event(`/api/v1/groups/${groupId}/resources/files`, {
			user,
			params: { id: groupId },
			body,
			query: { filename },
			headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }
		})
	);
}

async function uploadForm(
	user: TestUser | null,
	groupId: string,
	filename: string,
	bytes: Buffer | string
) {
	const form = new FormData();
	form.set('title', 'Attached');
	form.set('file', new File([Buffer.from(bytes)], filename));
	return filesRoute.POST(
		event(`/api/v1/groups/${groupId}/resources/files`, {
			user,
			params: { id: groupId },
			body: form
		})
	);
}

/** What a route handler returned, or what it threw (SvelteKit's redirect and error are thrown). */
async function outcome(run: () => unknown): Promise<unknown> {
	try {
		return await run();
	} catch (thrown) {
		return thrown;
	}
}

async function stored() {
	const rows = await ownerDb()`select id from public.resources order by id`;
	return { rows: rows.map((row) => row.id), files: dirs.files() };
}

async function expectRefused(
	response: Response,
	status: number,
	code: string,
	before: Awaited<ReturnType<typeof stored>>
) {
	const body = await response.json();
	expect({ status: response.status, code: body.error?.code }).toEqual({ status, code });
	expect(body.error.message).toEqual(expect.any(String));
	expect(await stored()).toEqual(before);
}

describe('uploads through the API', () => {
	it('stores a file sent raw or as a form, and serves it back only inside its own group', async () => {
		const raw = await uploadRaw(cast.learnerG, cast.G.id, 'slides.pdf', PDF);
		expect(raw.status).toBe(201);
		const rawBody = await raw.json();
		expect(rawBody).toMatchObject({
			filename: 'slides.pdf',
			contentType: 'application/pdf',
			size: PDF.length
		});
		const form = await uploadForm(cast.learnerG, cast.G.id, 'pixel.png', PNG);
		expect(form.status).toBe(201);
		const formBody = await form.json();
		expect(formBody).toMatchObject({ title: 'Attached', filename: 'pixel.png', previewable: true });

		const download = await downloadRoute.GET(
			event(`/api/v1/groups/${cast.G.id}/resources/${formBody.id}/download`, {
				method: 'GET',
				user: cast.learnerG1,
				params: { id: cast.G.id, resourceId: formBody.id }
			})
		);
		expect(download.status).toBe(200);
		expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG);
		expect(download.headers.get('content-disposition')).toBe(
			`attachment; filename="pixel.png"; filename*=UTF-8''pixel.png`
		);
		expect(download.headers.get('x-content-type-options')).toBe('nosniff');

		// Another group's URL with this file's id: not found, for everyone, even a reader of both.
		for (const [groupId, user] of [
			[cast.H.id, cast.learnerH],
			[cast.G1.id, cast.learnerG1],
			[cast.H.id, cast.orgAdmin]
		] as const) {
			const response = await downloadRoute.GET(
				event(`/api/v1/groups/${groupId}/resources/${formBody.id}/download`, {
					method: 'GET',
					user,
					params: { id: groupId, resourceId: formBody.id }
				})
			);
			expect(response.status).toBe(404);
			const meta = await resourceRoute.GET(
				event(`/api/v1/groups/${groupId}/resources/${formBody.id}`, {
					method: 'GET',
					user,
					params: { id: groupId, resourceId: formBody.id }
				})
			);
			expect(meta.status).toBe(404);
		}
		const stranger = await downloadRoute.GET(
			event(`/api/v1/groups/${cast.G.id}/resources/${formBody.id}/download`, {
				method: 'GET',
				user: cast.learnerH,
				params: { id: cast.G.id, resourceId: formBody.id }
			})
		);
		expect(stranger.status).toBe(404);
		const anonymous = await downloadRoute.GET(
			event(`/api/v1/groups/${cast.G.id}/resources/${formBody.id}/download`, {
				method: 'GET',
				user: null,
				params: { id: cast.G.id, resourceId: formBody.id }
			})
		);
		expect(anonymous.status).toBe(401);
	});

	it('refuses file names with folders in them', async () => {
		const before = await stored();
		for (const name of [
			'../../etc/passwd.pdf',
			'..\\..\\boot.pdf',
			'a/b.pdf',
			'..',
			'../',
			'x\u0000.pdf',
			'line\nbreak.pdf',
			''
		]) {
			await expectRefused(
				await uploadRaw(cast.learnerG, cast.G.id, name, PDF),
				400,
				name ? 'unsafe_filename' : 'unsafe_filename',
				before
			);
		}
		for (const name of ['../escape.pdf', '..\\escape.pdf']) {
			const response = await uploadForm(cast.learnerG, cast.G.id, name, PDF);
			// Busboy hands over the name as sent; the upload refuses it.
			await expectRefused(response, 400, 'unsafe_filename', before);
		}
	});

	it('refuses web pages, SVG and XML, by name or by content, and files whose content is not what the name says', async () => {
		const before = await stored();
		const html = '<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>';
		const svg =
			'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>';
		const attempts: [string, Buffer | string, string][] = [
			['page.html', html, 'unsupported_file'],
			['page.htm', 'hello', 'unsupported_file'],
			['drawing.svg', svg, 'unsupported_file'],
			['notes.txt', html, 'unsupported_file'],
			['notes.txt', `\uFEFF  ${svg}`, 'unsupported_file'],
			['notes.md', `# Title\n\n<script>alert(1)</script>`, 'unsupported_file'],
			['data.xml', '<?xml version="1.0"?><a/>', 'unsupported_file'],
			['photo.png', html, 'unsupported_file'],
			// A real PNG, named as a page or as a program.
			['photo.html', PNG, 'unsupported_file'],
			['photo.exe', PNG, 'unsupported_file'],
			['photo.pdf', PNG, 'unsupported_file'],
			// An ELF program and random bytes.
			[
				'tool.pdf',
				Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(64)]),
				'unsupported_file'
			],
			['blob.txt', Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00]), 'unsupported_file'],
			// Text that is not UTF-8 past the sniffed head.
			[
				'long.txt',
				Buffer.concat([Buffer.alloc(5000, 0x61), Buffer.from([0xc3, 0x28])]),
				'unsupported_file'
			]
		];
		for (const [name, bytes, code] of attempts) {
			const raw = await uploadRaw(cast.learnerG, cast.G.id, name, bytes);
			expect([400, 415]).toContain(raw.status);
			await expectRefused(raw, raw.status, code, before);
			const form = await uploadForm(cast.learnerG, cast.G.id, name, bytes);
			await expectRefused(form, form.status, code, before);
		}
		await expectRefused(
			await uploadRaw(cast.learnerG, cast.G.id, 'empty.pdf', ''),
			400,
			'empty_file',
			before
		);
	});

	it('refuses a file over the size limit, declared or streamed, raw or in a form', async () => {
		process.env.UPLOAD_MAX_BYTES = String(64 * 1024);
		try {
			const before = await stored();
			const big = Buffer.concat([PDF, Buffer.alloc(64 * 1024, 0x20)]);
			await expectRefused(
				await uploadRaw(cast.learnerG, cast.G.id, 'big.pdf', big),
				413,
				'too_large',
				before
			);
			await expectRefused(
				await uploadForm(cast.learnerG, cast.G.id, 'big.pdf', big),
				413,
				'too_large',
				before
			);
			// Streamed without a length: counted as it arrives.
			const stream = new ReadableStream({
				start(controller) {
					controller.enqueue(new Uint8Array(big));
					controller.close();
				}
			});
			const chunked = await filesRoute.POST(
				event(`/api/v1/groups/${cast.G.id}/resources/files`, {
					user: cast.learnerG,
					params: { id: cast.G.id },
					body: stream,
					query: { filename: 'chunked.pdf' }
				})
			);
			await expectRefused(chunked, 413, 'too_large', before);
			// A declared length over the limit is refused before a byte is read.
			const declared = await filesRoute.POST(
				event(`/api/v1/groups/${cast.G.id}/resources/files`, {
					user: cast.learnerG,
					params: { id: cast.G.id },
					body: PDF,
					query: { filename: 'liar.pdf' },
					headers: { 'content-length': String(50 * 1024 * 1024) }
				})
			);
			await expectRefused(declared, 413, 'too_large', before);
		} finally {
			delete process.env.UPLOAD_MAX_BYTES;
		}
	});

	it('refuses uploads into groups the caller cannot read, and malformed forms', async () => {
		const before = await stored();
		for (const user of [cast.learnerH, cast.leaderH, cast.outsider, cast.otherOrgAdmin]) {
			await expectRefused(await uploadRaw(user, cast.G.id, 'x.pdf', PDF), 404, 'not_found', before);
		}
		await expectRefused(
			await uploadRaw(null, cast.G.id, 'x.pdf', PDF),
			401,
			'unauthenticated',
			before
		);
		await expectRefused(
			await uploadRaw(cast.learnerG, 'not-a-uuid', 'x.pdf', PDF),
			404,
			'not_found',
			before
		);
		const noFile = new FormData();
		noFile.set('title', 'Nothing attached');
		await expectRefused(
			await filesRoute.POST(
				event(`/api/v1/groups/${cast.G.id}/resources/files`, {
					user: cast.learnerG,
					params: { id: cast.G.id },
					body: noFile
				})
			),
			400,
			'invalid_input',
			before
		);
		await expectRefused(
			await filesRoute.POST(
				event(`/api/v1/groups/${cast.G.id}/resources/files`, {
					user: cast.learnerG,
					params: { id: cast.G.id },
					body: '--x\r\nnonsense',
					headers: { 'content-type': 'multipart/form-data' }
				})
			),
			400,
			'invalid_input',
			before
		);
	});
});

describe('uploads and downloads in the app', () => {
	it('sends a browser without JavaScript back to the library with the outcome', async () => {
		const form = new FormData();
		form.set('folder', 'Week 2');
		form.set('file', new File([PDF], 'week2.pdf'));
		const done = await outcome(() =>
			appUpload.POST(
				event(`/groups/${cast.G.id}/resources/upload`, {
					user: cast.learnerG,
					params: { id: cast.G.id },
					body: form
				})
			)
		);
		expect(done).toMatchObject({
			status: 303,
			location: expect.stringMatching(new RegExp(`^/groups/${cast.G.id}/resources\\?uploaded=`))
		});
		const bad = new FormData();
		bad.set('file', new File(['<html><script>alert(1)</script></html>'], 'x.html'));
		const refused = await outcome(() =>
			appUpload.POST(
				event(`/groups/${cast.G.id}/resources/upload`, {
					user: cast.learnerG,
					params: { id: cast.G.id },
					body: bad
				})
			)
		);
		expect(refused).toMatchObject({ status: 303, location: expect.stringContaining('?error=') });
		const json = new FormData();
		json.set('file', new File([PNG], 'p.png'));
		const scripted = await appUpload.POST(
			event(`/groups/${cast.G.id}/resources/upload`, {
				user: cast.learnerG,
				params: { id: cast.G.id },
				body: json,
				headers: { accept: 'application/json' }
			})
		);
		expect(scripted.status).toBe(201);
		const resource = await scripted.json();

		const download = await appDownload.GET(
			event(`/groups/${cast.G.id}/resources/${resource.id}/download`, {
				method: 'GET',
				user: cast.leaderG,
				params: { id: cast.G.id, resourceId: resource.id }
			})
		);
		expect(download.status).toBe(200);
		expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
		expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG);
		for (const user of [null, cast.learnerH]) {
			const denied = await outcome(() =>
				appDownload.GET(
					event(`/groups/${cast.G.id}/resources/${resource.id}/download`, {
						method: 'GET',
						user,
						params: { id: cast.G.id, resourceId: resource.id }
					})
				)
			);
			expect(denied).toMatchObject({ status: 404 });
		}
		const elsewhere = await outcome(() =>
			appDownload.GET(
				event(`/groups/${cast.H.id}/resources/${resource.id}/download`, {
					method: 'GET',
					user: cast.orgAdmin,
					params: { id: cast.H.id, resourceId: resource.id }
				})
			)
		);
		expect(elsewhere).toMatchObject({ status: 404 });
	});
});

describe('body limits in hooks.server.ts', () => {
	const hookEvent = (path: string, headers: Record<string, string>, method = 'POST') =>
		({
			url: new URL(`http://127.0.0.1${path}`),
			request: { method, headers: new Headers(headers) },
			locals: {},
			cookies: { get: () => undefined, set: () => {}, delete: () => {} }
		}) as unknown as RequestEvent;
	const passed = async () => new Response('passed');

	it('lets an upload route take a body up to one upload, and holds every other route to 2 MB', async () => {
		const three = String(3 * 1024 * 1024);
		const upload = await handle({
			event: hookEvent(`/api/v1/groups/${cast.G.id}/resources/files`, { 'content-length': three }),
			resolve: passed
		});
		expect(await upload.text()).toBe('passed');
		const app = await handle({
			event: hookEvent(`/groups/${cast.G.id}/resources/upload`, { 'content-length': three }),
			resolve: passed
		});
		expect(await app.text()).toBe('passed');
		for (const path of [
			`/api/v1/groups/${cast.G.id}/resources`,
			`/api/v1/groups/${cast.G.id}/announcements`,
			'/groups/x/settings'
		]) {
			const refused = await handle({
				event: hookEvent(path, { 'content-length': three }),
				resolve: passed
			});
			expect(refused.status).toBe(413);
		}
		const tooBig = await handle({
			event: hookEvent(`/api/v1/groups/${cast.G.id}/resources/files`, {
				'content-length': String(27 * 1024 * 1024)
			}),
			resolve: passed
		});
		expect(tooBig.status).toBe(413);
		// A GET to the upload path gets no exemption.
		const get = await handle({
			event: hookEvent(
				`/api/v1/groups/${cast.G.id}/resources/files`,
				{ 'content-length': three },
				'GET'
			),
			resolve: passed
		});
		expect(get.status).toBe(413);
	});

	it('refuses a chunked body without a length outside the upload routes', async () => {
		const refused = await handle({
			event: hookEvent(`/api/v1/groups/${cast.G.id}/announcements`, {
				'transfer-encoding': 'chunked'
			}),
			resolve: passed
		});
		expect(refused.status).toBe(411);
		expect((await refused.json()).error.code).toBe('length_required');
		const upload = await handle({
			event: hookEvent(`/api/v1/groups/${cast.G.id}/resources/files`, {
				'transfer-encoding': 'chunked'
			}),
			resolve: passed
		});
		expect(await upload.text()).toBe('passed');
	});
});
