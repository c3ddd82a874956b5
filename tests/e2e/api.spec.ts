import { expect, request, test, type APIRequestContext } from './fixtures';
import { request as httpRequest } from 'node:http';
import { baseURL } from '../../playwright.config';

// Drives /api/v1 as a script would: sign in once for a token, then token-only requests.

const ADMIN = { email: 'admin@tessera.test', password: 'demo-admin-2026' };
const LEARNER = { email: 'maya.zhang36@learners.test', password: 'demo-pass-2026' };
const MAYA_ID = '00000000-0000-4000-9000-000000000036';
const ELIAS = 'elias.byrne1@learners.test';
const INES_ID = '00000000-0000-4000-8000-000000000021';
const HARBOUR_COURSE_ID = '00000000-0000-4000-b000-000000000004';
const RANDOM_ID = '6f1c9e52-3b7a-4d1e-9c55-0a2b8e4d7f10';
const NOT_FOUND = {
	error: { code: 'not_found', message: 'Not found, or you do not have access.', issues: [] }
};

async function signedIn(account: { email: string; password: string }): Promise<APIRequestContext> {
	const context = await request.newContext({ baseURL });
	const response = await context.post('/api/v1/sessions', { data: account });
	expect(response.status()).toBe(201);
	return context;
}

async function createToken(
	session: APIRequestContext,
	name: string
): Promise<{ id: string; secret: string }> {
	const response = await session.post('/api/v1/tokens', { data: { name } });
	expect(response.status()).toBe(201);
	return response.json();
}

/**
 * Declares a body of `length` bytes and waits for the answer before sending any of it. The server
 * answers 413 from the Content-Length alone and closes the connection, so a client that went on
 * writing the body would race it (EPIPE or ECONNRESET before the 413 is read).
 */
function postDeclaringLength(path: string, length: number) {
	return new Promise<{ status: number; body: string }>((resolve, reject) => {
		const req = httpRequest(new URL(path, baseURL), {
			method: 'POST',
			headers: {
				authorization: adminAuthorization!,
				'content-type': 'application/json',
				'content-length': String(length)
			}
		});
		req.on('response', (res) => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (chunk) => (body += chunk));
			res.on('end', () => {
				resolve({ status: res.statusCode ?? 0, body });
				req.destroy();
			});
		});
		// Whatever happens to the connection after the answer arrived does not matter.
		req.on('error', (error: NodeJS.ErrnoException) => {
			if (!req.destroyed || !['EPIPE', 'ECONNRESET'].includes(error.code ?? '')) reject(error);
		});
		req.flushHeaders();
	});
}

function withToken(secret: string): Promise<APIRequestContext> {
	return request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${secret}` } });
}

test.describe.configure({ mode: 'serial' });

let adminSession: APIRequestContext;
let adminAuthorization: string | undefined;
let admin: APIRequestContext;
let learner: APIRequestContext;

test.beforeAll(async () => {
	adminSession = await signedIn(ADMIN);
	const adminToken = await createToken(adminSession, 'e2e admin');
	adminAuthorization = `Bearer ${adminToken.secret}`;
	admin = await withToken(adminToken.secret);
	const learnerSession = await signedIn(LEARNER);
	learner = await withToken((await createToken(learnerSession, 'e2e learner')).secret);
	await learnerSession.dispose();
});

test.afterAll(async () => {
	await Promise.all([adminSession, admin, learner].map((context) => context?.dispose()));
});

test('a token identifies its owner without any cookie', async () => {
	const response = await admin.get('/api/v1/me');
	expect(response.status()).toBe(200);
	expect(await response.json()).toMatchObject({
		email: ADMIN.email,
		platformRole: 'admin',
		authenticatedWith: 'token'
	});
	expect((await admin.storageState()).cookies).toEqual([]);
});

test('a request without a token gets a 401 in the error shape', async () => {
	const anonymous = await request.newContext({ baseURL });
	const response = await anonymous.get('/api/v1/organisations');
	expect(response.status()).toBe(401);
	const body = await response.json();
	expect(body).toEqual({
		error: { code: 'unauthenticated', message: expect.any(String), issues: [] }
	});
	const wrong = await anonymous.get('/api/v1/me', {
		headers: { authorization: 'Bearer tsr_not-a-real-token' }
	});
	expect(wrong.status()).toBe(401);
	await anonymous.dispose();
});

test('an admin builds an organisation and a course and manages enrolments with a token', async () => {
	const slug = `api-e2e-${Date.now()}`;
	const created = await admin.post('/api/v1/organisations', {
		data: { name: 'API Test College', slug }
	});
	expect(created.status()).toBe(201);
	const organisation = await created.json();
	expect(organisation).toMatchObject({
		name: 'API Test College',
		slug,
		description: '',
		courseCount: 0
	});

	const patched = await admin.patch(`/api/v1/organisations/${organisation.id}`, {
		data: { description: 'Made by a script.' }
	});
	expect(patched.status()).toBe(200);
	expect(await patched.json()).toMatchObject({
		name: 'API Test College',
		slug,
		description: 'Made by a script.'
	});
	const taken = await admin.patch(`/api/v1/organisations/${organisation.id}`, {
		data: { slug: 'northfield' }
	});
	expect(taken.status()).toBe(409);

	const member = await admin.post(`/api/v1/organisations/${organisation.id}/members`, {
		data: { email: 'olivia.grant@northfield.test', role: 'admin' }
	});
	expect(member.status()).toBe(200);
	const { userId: oliviaId } = await member.json();
	const members = await (
		await admin.get(`/api/v1/organisations/${organisation.id}/members`)
	).json();
	expect(members.items).toEqual([
		expect.objectContaining({ email: 'olivia.grant@northfield.test', role: 'admin' })
	]);
	expect(
		(await admin.delete(`/api/v1/organisations/${organisation.id}/members/${oliviaId}`)).status()
	).toBe(204);
	expect(
		(await admin.delete(`/api/v1/organisations/${organisation.id}/members/${oliviaId}`)).status()
	).toBe(404);

	const courseResponse = await admin.post(`/api/v1/organisations/${organisation.id}/courses`, {
		data: { code: 'API101', name: 'Automating Everything' }
	});
	expect(courseResponse.status()).toBe(201);
	const course = await courseResponse.json();
	expect(course).toMatchObject({
		code: 'API101',
		organisationId: organisation.id,
		participantCount: 0,
		canManage: true
	});
	const courseList = await (
		await admin.get(`/api/v1/organisations/${organisation.id}/courses`)
	).json();
	expect(courseList.items.map((item: { id: string }) => item.id)).toEqual([course.id]);
	const renamed = await admin.patch(`/api/v1/courses/${course.id}`, {
		data: { name: 'Automating Nearly Everything' }
	});
	expect(await renamed.json()).toMatchObject({
		code: 'API101',
		name: 'Automating Nearly Everything'
	});

	const enrolments = `/api/v1/courses/${course.id}/enrolments`;
	const dryRun = await admin.post(enrolments, {
		data: {
			emails: [LEARNER.email, 'nobody@learners.test', 'not-an-email', LEARNER.email],
			role: 'learner',
			dryRun: true
		}
	});
	expect(dryRun.status()).toBe(200);
	const preview = await dryRun.json();
	expect(preview.applied).toBe(false);
	// The unknown address is to be invited (the same answer as for someone the admin cannot see).
	expect(preview.rows.map((row: { status: string }) => row.status)).toEqual([
		'enrol',
		'invite',
		'error',
		'error'
	]);
	expect(preview.counts).toEqual({ enrol: 1, update: 0, unchanged: 0, invite: 1, error: 2 });
	expect((await (await admin.get(enrolments)).json()).total).toBe(0);

	const applied = await (
		await admin.post(enrolments, { data: { emails: `${LEARNER.email}, ${ELIAS}` } })
	).json();
	expect(applied).toMatchObject({
		applied: true,
		counts: { enrol: 2, update: 0, unchanged: 0, error: 0 }
	});
	const byId = await admin.post(enrolments, { data: { userIds: [INES_ID], role: 'instructor' } });
	expect(await byId.json()).toEqual({ enrolled: 1 });

	const all = await (await admin.get(enrolments)).json();
	expect(all).toMatchObject({ total: 3, page: 1, pageSize: 50, pageCount: 1 });
	expect(all.items).toHaveLength(3);
	expect((await (await admin.get(`${enrolments}?role=learner`)).json()).total).toBe(2);
	const search = await (await admin.get(`${enrolments}?search=zhang36`)).json();
	expect(search.items.map((item: { userId: string }) => item.userId)).toEqual([MAYA_ID]);
	const secondPage = await (await admin.get(`${enrolments}?pageSize=1&page=2`)).json();
	expect(secondPage).toMatchObject({ total: 3, page: 2, pageSize: 1, pageCount: 3 });
	expect(secondPage.items).toHaveLength(1);
	expect((await admin.get(`${enrolments}?pageSize=1000`)).status()).toBe(400);

	const suspended = await admin.patch(`${enrolments}/${MAYA_ID}`, {
		data: { status: 'suspended' }
	});
	expect(await suspended.json()).toEqual({ userId: MAYA_ID, role: 'learner', status: 'suspended' });
	expect((await (await admin.get(`${enrolments}?status=suspended`)).json()).items).toEqual([
		expect.objectContaining({ userId: MAYA_ID, status: 'suspended' })
	]);

	const csv = `email,role\n${LEARNER.email},assistant\n${ELIAS},\nghost@learners.test,learner\n`;
	const csvPreview = await admin.post(`${enrolments}/csv?dryRun=true`, {
		data: csv,
		headers: { 'content-type': 'text/csv' }
	});
	expect(csvPreview.status()).toBe(200);
	const csvReport = await csvPreview.json();
	expect(csvReport).toMatchObject({
		applied: false,
		counts: { enrol: 0, update: 1, unchanged: 1, invite: 1, error: 0 }
	});
	expect(csvReport.rows.map((row: { line: number }) => row.line)).toEqual([2, 3, 4]);
	const csvApplied = await admin.post(`${enrolments}/csv`, {
		data: csv,
		headers: { 'content-type': 'text/csv' }
	});
	expect(await csvApplied.json()).toMatchObject({ applied: true, counts: { update: 1 } });
	expect(
		(await (await admin.get(`${enrolments}?role=assistant&status=active`)).json()).items
	).toEqual([expect.objectContaining({ userId: MAYA_ID })]);

	expect((await admin.delete(`${enrolments}/${MAYA_ID}`)).status()).toBe(204);
	expect((await admin.delete(`${enrolments}/${MAYA_ID}`)).status()).toBe(404);
	expect((await (await admin.get(enrolments)).json()).total).toBe(2);

	expect((await admin.delete(`/api/v1/courses/${course.id}`)).status()).toBe(204);
	const gone = await admin.get(`/api/v1/courses/${course.id}`);
	expect(gone.status()).toBe(404);
	expect(await gone.json()).toEqual(NOT_FOUND);
});

test('invalid input is a 400 that names the field and changes nothing', async () => {
	const response = await admin.post('/api/v1/organisations', { data: { name: 'No Slug' } });
	expect(response.status()).toBe(400);
	const body = await response.json();
	expect(body.error.code).toBe('invalid_input');
	expect(body.error.issues).toEqual([expect.objectContaining({ path: 'slug' })]);
	const both = await admin.post(`/api/v1/courses/${HARBOUR_COURSE_ID}/enrolments`, {
		data: { userIds: [MAYA_ID], emails: [LEARNER.email] }
	});
	expect(both.status()).toBe(400);
});

test('a revoked token stops working at once', async () => {
	const { id, secret } = await createToken(adminSession, 'short-lived');
	const script = await withToken(secret);
	expect((await script.get('/api/v1/me')).status()).toBe(200);
	expect((await adminSession.delete(`/api/v1/tokens/${id}`)).status()).toBe(204);
	const response = await script.get('/api/v1/me');
	expect(response.status()).toBe(401);
	expect((await response.json()).error.code).toBe('unauthenticated');
	const listed = await (await adminSession.get('/api/v1/tokens')).json();
	expect(listed.items).toContainEqual(
		expect.objectContaining({ id, revokedAt: expect.any(String) })
	);
	await script.dispose();
});

test('a token cannot mint or list tokens: that needs a session', async () => {
	const minted = await admin.post('/api/v1/tokens', { data: { name: 'from a token' } });
	expect(minted.status()).toBe(403);
	expect((await minted.json()).error.code).toBe('session_required');
	expect((await admin.get('/api/v1/tokens')).status()).toBe(403);
});

test('a learner cannot create an organisation and is told only "not found"', async () => {
	const response = await learner.post('/api/v1/organisations', {
		data: { name: 'Rogue', slug: `rogue-${Date.now()}` }
	});
	expect(response.status()).toBe(404);
	expect(await response.json()).toEqual(NOT_FOUND);
	const organisations = await (await admin.get('/api/v1/organisations')).json();
	expect(organisations.items.some((item: { name: string }) => item.name === 'Rogue')).toBe(false);
});

test('a course the caller may not see, a random id and a malformed id look the same', async () => {
	const paths = [
		`/api/v1/courses/${HARBOUR_COURSE_ID}`,
		`/api/v1/courses/${RANDOM_ID}`,
		'/api/v1/courses/not-a-uuid',
		`/api/v1/courses/${HARBOUR_COURSE_ID}/enrolments`,
		`/api/v1/courses/${RANDOM_ID}/enrolments`,
		`/api/v1/organisations/${RANDOM_ID}/courses`,
		'/api/v1/no-such-thing'
	];
	for (const path of paths) {
		const response = await learner.get(path);
		expect(response.status(), path).toBe(404);
		expect(await response.json(), path).toEqual(NOT_FOUND);
	}
	expect((await learner.get('/api/v1/courses/00000000-0000-4000-b000-000000000001')).status()).toBe(
		200
	);
	const unenrolSomeone = await learner.delete(
		`/api/v1/courses/00000000-0000-4000-b000-000000000001/enrolments/${MAYA_ID}`
	);
	expect(unenrolSomeone.status()).toBe(404);
	expect(await unenrolSomeone.json()).toEqual(NOT_FOUND);
});

test('bodies must be JSON of at most 2 MB', async () => {
	const malformed = await admin.post('/api/v1/organisations', {
		data: Buffer.from('{"name": '),
		headers: { 'content-type': 'application/json' }
	});
	expect(malformed.status()).toBe(400);
	expect((await malformed.json()).error).toMatchObject({ code: 'malformed_json', issues: [] });

	const wrongType = await admin.post('/api/v1/organisations', {
		data: '<organisation/>',
		headers: { 'content-type': 'application/xml' }
	});
	expect(wrongType.status()).toBe(415);
	expect((await wrongType.json()).error.code).toBe('unsupported_media_type');

	const huge = await postDeclaringLength('/api/v1/organisations', 2 * 1024 * 1024 + 1);
	expect(huge.status).toBe(413);
	expect(JSON.parse(huge.body).error.code).toBe('too_large');
});

test('an unsupported method is a 405 in the error shape', async () => {
	const response = await admin.put('/api/v1/organisations', { data: {} });
	expect(response.status()).toBe(405);
	expect(response.headers()['allow']).toBe('GET, POST');
	expect((await response.json()).error.code).toBe('method_not_allowed');
});

test('sign-in failures are throttled with Retry-After, and sign-out ends the session', async () => {
	const anonymous = await request.newContext({ baseURL });
	// An address with no account, so the lock touches nobody else's tests.
	const probe = { email: 'throttle-probe@learners.test', password: 'wrong-password' };
	for (let attempt = 0; attempt < 5; attempt++) {
		const response = await anonymous.post('/api/v1/sessions', { data: probe });
		expect(response.status()).toBe(401);
		expect((await response.json()).error.code).toBe('wrong_credentials');
	}
	const locked = await anonymous.post('/api/v1/sessions', { data: probe });
	expect(locked.status()).toBe(429);
	expect(Number(locked.headers()['retry-after'])).toBeGreaterThan(0);
	expect((await locked.json()).error.code).toBe('too_many_attempts');

	const session = await signedIn(LEARNER);
	expect(await (await session.get('/api/v1/me')).json()).toMatchObject({
		authenticatedWith: 'session'
	});
	expect((await session.delete('/api/v1/sessions/current')).status()).toBe(204);
	expect((await session.get('/api/v1/me')).status()).toBe(401);
	await Promise.all([anonymous.dispose(), session.dispose()]);
});

test('openapi.json describes exactly the implemented paths', async () => {
	const anonymous = await request.newContext({ baseURL });
	const response = await anonymous.get('/api/v1/openapi.json');
	expect(response.status()).toBe(200);
	const document = await response.json();
	expect(document.openapi).toMatch(/^3\.1\./);
	expect(Object.keys(document.paths).sort()).toEqual(
		[
			'/channels/{id}/mentionables',
			'/conversations',
			'/conversations/{id}/messages',
			'/conversations/{id}/files',
			'/conversations/{id}/files/{fileId}',
			'/conversations/{id}/storage',
			'/me/contacts',
			'/messages/{id}/follow',
			'/messages/{id}/replies',
			'/me',
			'/me/browser-time-zone',
			'/sessions',
			'/password-resets',
			'/password-resets/complete',
			'/sessions/current',
			'/organisations',
			'/organisations/{id}',
			'/organisations/{id}/email-visibility',
			'/organisations/{id}/members',
			'/organisations/{id}/members/{userId}',
			'/organisations/{id}/courses',
			'/courses',
			'/courses/{id}',
			'/courses/{id}/enrolments',
			'/courses/{id}/enrolments/csv',
			'/courses/{id}/auto-groups',
			'/courses/{id}/bin',
			'/courses/{id}/bin/{groupingId}',
			'/courses/{id}/bin/{groupingId}/restore',
			'/courses/{id}/group-imports',
			'/courses/{id}/group-mode',
			'/courses/{id}/participants/groups',
			'/courses/{id}/groupings',
			'/courses/{id}/groups-overview',
			'/courses/{id}/signup',
			'/groupings/{id}',
			'/groupings/{id}/delete-preview',
			'/groupings/{id}/groups',
			'/groupings/{id}/signup',
			'/groupings/{id}/signup/assign',
			'/courses/{id}/self-enrolment',
			'/groups/{id}/enrolment-key',
			'/self-enrolment',
			'/self-enrolment/courses',
			'/groups/{id}/signup',
			'/courses/{id}/enrolments/{userId}',
			'/courses/{id}/groups',
			'/courses/{id}/links',
			'/links/{id}',
			'/organisations/{id}/groups',
			'/organisations/{id}/groups/starter',
			'/organisations/{id}/groups/import',
			'/organisations/{id}/groups/export',
			'/organisations/{id}/memberships/import',
			'/organisations/{id}/memberships/export',
			'/groups',
			'/groups/messaging',
			'/groups/{id}',
			'/groups/{id}/delete-preview',
			'/groups/{id}/move',
			'/groups/{id}/move-preview',
			'/groups/{id}/members',
			'/groups/{id}/members/{userId}',
			'/groups/{id}/members/role',
			'/groups/{id}/join',
			'/groups/{id}/leave',
			'/groups/{id}/requests',
			'/groups/{id}/requests/decide',
			'/requests/{id}',
			'/groups/{id}/invites',
			'/invites/{id}',
			'/invites/redeem',
			'/groups/{id}/announcements',
			'/groups/{id}/announcements/seen',
			'/groups/{id}/announcements/{announcementId}',
			'/groups/{id}/announcements/{announcementId}/seen-by',
			'/groups/{id}/resources',
			'/groups/{id}/resources/files',
			'/groups/{id}/resources/storage',
			'/groups/{id}/resources/{resourceId}',
			'/groups/{id}/resources/{resourceId}/download',
			'/tokens',
			'/tokens/{id}',
			'/openapi.json',
			'/courses/{id}/activities',
			'/activities/{id}',
			'/activities/{id}/completions',
			'/activities/{id}/completion',
			'/courses/{id}/events',
			'/ingest/statements',
			'/courses/{id}/progress-settings',
			'/courses/{id}/learner-groups',
			'/courses/{id}/learner-groups/preview',
			'/courses/{id}/learner-groups/not-started',
			'/learner-groups/{id}',
			'/learner-groups/{id}/refresh',
			'/learner-groups/{id}/refreshes',
			'/learner-groups/{id}/link',
			'/learner-groups/{id}/interventions',
			'/me/interventions',
			'/me/interventions/seen',
			'/me/notifications',
			'/me/notifications/read',
			'/me/notification-preferences',
			'/groups/{id}/dashboard',
			'/groups/{id}/dashboard/distribution',
			'/groups/{id}/dashboard/over-time',
			'/groups/{id}/dashboard/csv',
			'/groups/{id}/dashboard/learners/{userId}'
		].sort()
	);
	const methods = Object.fromEntries(
		Object.entries(document.paths).map(([path, item]) => [
			path,
			Object.keys(item as object)
				.filter((key) => key !== 'parameters')
				.sort()
		])
	);
	expect(methods).toMatchObject({
		'/organisations/{id}': ['get', 'patch'],
		'/courses/{id}': ['delete', 'get', 'patch'],
		'/courses/{id}/enrolments': ['get', 'patch', 'post'],
		'/courses/{id}/enrolments/{userId}': ['delete', 'patch'],
		'/tokens': ['get', 'post'],
		'/groups': ['get', 'post'],
		'/groups/{id}': ['delete', 'get', 'patch'],
		'/groups/{id}/members': ['get', 'post'],
		'/groups/{id}/requests': ['get', 'post'],
		'/groups/{id}/invites': ['get', 'post'],
		'/courses/{id}/links': ['get', 'post'],
		'/links/{id}': ['delete', 'get', 'patch']
	});
	expect(document.components.securitySchemes.bearerAuth).toMatchObject({
		type: 'http',
		scheme: 'bearer'
	});
	expect(document.components.schemas.Error.properties.error.required).toEqual([
		'code',
		'message',
		'issues'
	]);
	await anonymous.dispose();
});
