import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, request, test, type APIRequestContext } from './fixtures';
import { baseURL } from '../../playwright.config';

// A page on another port of the same host is same-site: the browser sends the SameSite=Lax
// session cookie with its requests. Its writes must still be refused (hooks.server.ts).

const ADMIN = { email: 'admin@tessera.test', password: 'demo-admin-2026' };
const MAYA = { email: 'maya.zhang36@learners.test', password: 'demo-pass-2026' };
const MAYA_ID = '00000000-0000-4000-9000-000000000036';
const NORTHFIELD_ID = '00000000-0000-4000-a000-000000000001';

let admin: APIRequestContext;
let evil: Server;
let evilOrigin: string;

/** The attacker's page: it fires the write as soon as it loads and says when the fetch settled. */
function attackPage(target: string, form: boolean) {
	if (form) {
		return `<!doctype html><title>Win a prize</title>
		<form method="post" action="${target}"><input name="name" value="Hijacked"></form>
		<script>document.forms[0].submit();</script>`;
	}
	return `<!doctype html><title>Win a prize</title><script>
		fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', mode: 'no-cors' })
			.then(() => { document.title = 'sent'; }, () => { document.title = 'failed'; });
	</script>`;
}

test.beforeAll(async () => {
	const session = await request.newContext({ baseURL });
	expect((await session.post('/api/v1/sessions', { data: ADMIN })).status()).toBe(201);
	const { secret } = await (
		await session.post('/api/v1/tokens', { data: { name: 'e2e origin' } })
	).json();
	await session.dispose();
	admin = await request.newContext({
		baseURL,
		extraHTTPHeaders: { authorization: `Bearer ${secret}` }
	});
	evil = createServer((req, res) => {
		const query = new URL(req.url ?? '/', 'http://x').searchParams;
		const page = attackPage(query.get('target') ?? '', query.has('form'));
		res.writeHead(200, { 'content-type': 'text/html' }).end(page);
	});
	await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
	evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
	await admin?.dispose();
	await new Promise((resolve) => evil?.close(resolve));
});

const isMember = async (groupId: string) => {
	const response = await admin.get(`/api/v1/groups/${groupId}/members?only=direct`);
	expect(response.status()).toBe(200);
	const { items } = await response.json();
	return items.some((member: { userId: string }) => member.userId === MAYA_ID);
};

test('a page on another port cannot make a signed-in learner leave a group; the app itself can', async ({
	page
}) => {
	const created = await admin.post('/api/v1/groups', {
		data: {
			organisationId: NORTHFIELD_ID,
			name: `Open circle ${Date.now().toString(36)}`,
			membershipMode: 'open',
			visibility: 'scope'
		}
	});
	expect(created.status()).toBe(201);
	const group = await created.json();
	const added = await admin.post(`/api/v1/groups/${group.id}/members`, {
		data: { userIds: [MAYA_ID] }
	});
	expect(added.status()).toBeLessThan(300);
	expect(await isMember(group.id)).toBe(true);

	// Maya signs in; the browser now holds her session cookie for 127.0.0.1.
	const signedIn = await page.request.post('/api/v1/sessions', { data: MAYA });
	expect(signedIn.status()).toBe(201);

	const leave = `${baseURL}/api/v1/groups/${group.id}/leave`;
	const refused = page.waitForResponse((response) => response.url() === leave);
	await page.goto(`${evilOrigin}/?target=${encodeURIComponent(leave)}`);
	await expect(page).toHaveTitle('sent');
	expect((await refused).status()).toBe(403);
	expect(await isMember(group.id)).toBe(true);

	// The same request from the app's own page goes through: the cookie was there all along.
	await page.goto('/');
	const status = await page.evaluate(
		async (url) => (await fetch(url, { method: 'POST', credentials: 'include' })).status,
		leave
	);
	expect(status).toBe(204);
	expect(await isMember(group.id)).toBe(false);
});

test("a form on another port cannot post to a form action with the learner's session", async ({
	page
}) => {
	const signedIn = await page.request.post('/api/v1/sessions', { data: MAYA });
	expect(signedIn.status()).toBe(201);
	// "Sign out everywhere" would end every session of hers.
	const target = `${baseURL}/settings?/signOutEverywhere`;
	const refused = page.waitForResponse((response) => response.url() === target);
	await page.goto(`${evilOrigin}/?form&target=${encodeURIComponent(target)}`);
	expect((await refused).status()).toBe(403);
	expect((await page.request.get('/api/v1/me')).status()).toBe(200);
});

test("a mail program's one-click unsubscribe (a form POST with no Origin) reaches the link's action", async () => {
	// RFC 8058: the mail program posts List-Unsubscribe=One-Click to the link, from no page at all.
	// An unknown token reaches the action and gets its 404; the origin check would have said 403.
	const mailer = await request.newContext({ baseURL });
	const response = await mailer.post(`/unsubscribe/${'x'.repeat(43)}`, {
		form: { 'List-Unsubscribe': 'One-Click' }
	});
	expect(response.status()).toBe(404);
	expect(await response.text()).toContain('This unsubscribe link is not valid');
	await mailer.dispose();
});
