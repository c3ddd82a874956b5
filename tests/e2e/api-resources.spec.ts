import { expect, request, test, type APIRequestContext } from './fixtures';
import { baseURL } from '../../playwright.config';

// Resources and announcements through /api/v1 on the built server: real HTTP, hooks.server.ts's
// body limits and adapter-node's BODY_SIZE_LIMIT included.

const OLIVIA = { email: 'olivia.grant@northfield.test', password: 'demo-pass-2026' };
const MAYA = { email: 'maya.zhang36@learners.test', password: 'demo-pass-2026' };
const INES = { email: 'ines.moreau@northfield.test', password: 'demo-pass-2026' };
const MAYA_ID = '00000000-0000-4000-9000-000000000036';
const NORTHFIELD_ID = '00000000-0000-4000-a000-000000000001';
const RUN = Date.now().toString(36);
const PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
	'base64'
);
const PDF = Buffer.from('%PDF-1.4\n%%EOF\n');

async function tokenFor(account: { email: string; password: string }): Promise<APIRequestContext> {
	const session = await request.newContext({ baseURL });
	expect((await session.post('/api/v1/sessions', { data: account })).status()).toBe(201);
	const created = await session.post('/api/v1/tokens', { data: { name: 'e2e resources' } });
	const { secret } = await created.json();
	await session.dispose();
	return request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${secret}` } });
}

test.describe.configure({ mode: 'serial' });

let olivia: APIRequestContext;
let maya: APIRequestContext;
let ines: APIRequestContext;
let groupId: string;

test.beforeAll(async () => {
	[olivia, maya, ines] = await Promise.all([tokenFor(OLIVIA), tokenFor(MAYA), tokenFor(INES)]);
	const created = await olivia.post('/api/v1/groups', {
		data: { organisationId: NORTHFIELD_ID, name: `Study group ${RUN}` }
	});
	expect(created.status()).toBe(201);
	groupId = (await created.json()).id;
	const added = await olivia.post(`/api/v1/groups/${groupId}/members`, {
		data: { userIds: [MAYA_ID] }
	});
	expect(added.status()).toBeLessThan(300);
});

test.afterAll(async () => {
	await Promise.all([olivia, maya, ines].map((context) => context?.dispose()));
});

test('a member uploads a file as a form and as raw bytes, and a reader downloads it as an attachment', async () => {
	// A form post needs its Origin (SvelteKit's CSRF check); browsers send it, scripts send raw bytes.
	const form = await maya.post(`/api/v1/groups/${groupId}/resources/files`, {
		headers: { origin: baseURL },
		multipart: {
			title: 'Lab photo',
			folder: 'Week 1',
			tags: 'lab, photos',
			file: { name: 'photo.png', mimeType: 'image/png', buffer: PNG }
		}
	});
	expect(form.status(), await form.text()).toBe(201);
	const photo = await form.json();
	expect(photo).toMatchObject({
		title: 'Lab photo',
		folder: 'Week 1',
		tags: ['lab', 'photos'],
		previewable: true
	});

	const raw = await maya.post(
		`/api/v1/groups/${groupId}/resources/files?filename=${encodeURIComponent('Résumé.pdf')}`,
		{ data: PDF, headers: { 'content-type': 'application/pdf' } }
	);
	expect(raw.status()).toBe(201);

	const download = await olivia.get(`/api/v1/groups/${groupId}/resources/${photo.id}/download`);
	expect(download.status()).toBe(200);
	expect(download.headers()['content-disposition']).toBe(
		`attachment; filename="photo.png"; filename*=UTF-8''photo.png`
	);
	expect(download.headers()['x-content-type-options']).toBe('nosniff');
	expect(Buffer.from(await download.body())).toEqual(PNG);

	const library = await (
		await maya.get(`/api/v1/groups/${groupId}/resources?folder=Week%201`)
	).json();
	expect(library.items.map((item: { id: string }) => item.id)).toEqual([photo.id]);

	// Inès is no member of this group: 404, for the file and for its listing.
	expect(
		(await ines.get(`/api/v1/groups/${groupId}/resources/${photo.id}/download`)).status()
	).toBe(404);
	expect((await ines.get(`/api/v1/groups/${groupId}/resources`)).status()).toBe(404);
});

test('the server refuses HTML, names with folders, and bodies over the limits, storing nothing', async () => {
	const before = (await (await maya.get(`/api/v1/groups/${groupId}/resources`)).json()).items
		.length;
	const html = await maya.post(`/api/v1/groups/${groupId}/resources/files`, {
		headers: { origin: baseURL },
		multipart: {
			file: {
				name: 'x.html',
				mimeType: 'text/html',
				buffer: Buffer.from('<script>alert(1)</script>')
			}
		}
	});
	expect(html.status()).toBe(415);
	const svg = await maya.post(`/api/v1/groups/${groupId}/resources/files?filename=a.txt`, {
		data: '<svg onload="alert(1)"></svg>',
		headers: { 'content-type': 'application/octet-stream' }
	});
	expect(svg.status()).toBe(415);
	const escape = await maya.post(`/api/v1/groups/${groupId}/resources/files`, {
		headers: { origin: baseURL },
		multipart: { file: { name: '../../escape.pdf', mimeType: 'application/pdf', buffer: PDF } }
	});
	expect(escape.status()).toBe(400);
	expect((await escape.json()).error.code).toBe('unsafe_filename');
	// Just over the 25 MB upload limit: the route counts the bytes as they stream, stops storing at
	// the limit, reads the rest and answers 413. (Far larger bodies are refused by their
	// Content-Length before a byte is read, and the connection closed: tests/integration/uploads.)
	const big = await maya.post(`/api/v1/groups/${groupId}/resources/files?filename=big.pdf`, {
		data: Buffer.concat([PDF, Buffer.alloc(25 * 1024 * 1024 + 64 * 1024, 0x20)]),
		headers: { 'content-type': 'application/pdf' }
	});
	expect(big.status()).toBe(413);
	expect((await big.json()).error).toMatchObject({
		code: 'too_large',
		message: 'The file is too large: upload at most 25 MB.'
	});
	// 3 MB of JSON to any other route: over the 2 MB cap, refused by its Content-Length before it
	// is read, and the connection closed; a client still writing may see the close before the 413.
	const outcome = await maya
		.post(`/api/v1/groups/${groupId}/resources`, {
			data: { title: 'x', url: 'https://example.org', description: 'x'.repeat(3 * 1024 * 1024) }
		})
		.then((response) => String(response.status()))
		.catch((error: Error) => (/EPIPE|ECONNRESET/.test(error.message) ? 'closed' : error.message));
	expect(['413', 'closed']).toContain(outcome);
	const after = (await (await maya.get(`/api/v1/groups/${groupId}/resources`)).json()).items.length;
	expect(after).toBe(before);
});

test('an admin posts an announcement; the member reads it, marks it seen, and the admin sees "seen by 1 of 1"', async () => {
	const posted = await olivia.post(`/api/v1/groups/${groupId}/announcements`, {
		data: { title: `Kick-off ${RUN}`, body: 'Room 2.14, Monday 9:00.', pinned: true }
	});
	expect(posted.status()).toBe(201);
	const announcement = await posted.json();
	const feed = await (await maya.get(`/api/v1/groups/${groupId}/announcements`)).json();
	expect(feed.items[0]).toMatchObject({ id: announcement.id, pinned: true, seen: false });
	expect(feed.canPost).toBe(false);
	const refused = await maya.post(`/api/v1/groups/${groupId}/announcements`, {
		data: { title: 'Me too', body: 'x' }
	});
	expect(refused.status()).toBe(404);
	const seen = await maya.post(`/api/v1/groups/${groupId}/announcements/seen`, {
		data: { ids: [announcement.id] }
	});
	expect(await seen.json()).toEqual({ marked: 1 });
	const seenBy = await (
		await olivia.get(`/api/v1/groups/${groupId}/announcements/${announcement.id}/seen-by`)
	).json();
	expect(seenBy).toMatchObject({ seen: 1, audience: 1 });
	expect(
		(await maya.get(`/api/v1/groups/${groupId}/announcements/${announcement.id}/seen-by`)).status()
	).toBe(404);
	expect((await ines.get(`/api/v1/groups/${groupId}/announcements`)).status()).toBe(404);
});
