import type { RequestEvent } from '@sveltejs/kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { handle } from '../../src/hooks.server';
import * as leaveRoute from '../../src/routes/api/v1/groups/[id]/leave/+server';
import * as joinRoute from '../../src/routes/api/v1/groups/[id]/join/+server';
import * as apiTokens from '$lib/server/auth/api-tokens';
import { createSession, SESSION_COOKIE } from '$lib/server/auth/session';
import { asService } from '$lib/server/db';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import {
	actor,
	addOrganisationMember,
	createOrganisation,
	createUser,
	ownerDb,
	type TestUser
} from './helpers';

// Cookie-authenticated writes through hooks.server.ts's handle, with the Origin and
// Sec-Fetch-Site headers a browser would send from another page: refused, and nothing changes.

const APP = 'http://127.0.0.1:4173';
let learner: TestUser;
let groupId: string;
let cookie: string;

beforeAll(async () => {
	const org = await createOrganisation();
	const admin = await createUser();
	learner = await createUser();
	await addOrganisationMember(org.id, admin.id, 'admin');
	await addOrganisationMember(org.id, learner.id);
	const group = await groups.create(actor(admin), {
		organisationId: org.id,
		name: 'Open study group',
		membershipMode: 'open',
		visibility: 'scope'
	});
	groupId = group.id;
	await memberships.add(actor(admin), groupId, { userIds: [learner.id] });
	cookie = (await asService((tx) => createSession(tx, learner.id))).token;
});

const isMember = async () => {
	const rows = await ownerDb()`
		select 1 from public.group_members where group_id = ${groupId} and user_id = ${learner.id}`;
	return rows.length === 1;
};

function hookEvent(
	path: string,
	headers: Record<string, string>,
	{ method = 'POST', session = cookie }: { method?: string; session?: string | null } = {}
) {
	const url = new URL(`${APP}${path}`);
	const request = new Request(url, { method, headers });
	return {
		url,
		request,
		params: { id: groupId },
		locals: {},
		cookies: {
			get: (name: string) => (name === SESSION_COOKIE ? (session ?? undefined) : undefined),
			set: () => {},
			delete: () => {}
		}
	} as unknown as RequestEvent;
}

const route = (handler: (event: RequestEvent) => Promise<Response>) => ({
	resolve: (event: RequestEvent) => handler(event)
});

describe('writes from another origin', () => {
	it.each([
		['another port of the same host', { origin: 'http://127.0.0.1:9999' }],
		['another site', { origin: 'http://evil.test' }],
		['another scheme', { origin: 'https://127.0.0.1:4173' }],
		['a sandboxed page (Origin: null)', { origin: 'null' }],
		['a same-site page without Origin', { 'sec-fetch-site': 'same-site' }],
		['a cross-site page without Origin', { 'sec-fetch-site': 'cross-site' }]
	])(
		'refuses a cookie-authenticated leave from %s with 403, and the learner stays',
		async (_from, headers) => {
			const response = await handle({
				event: hookEvent(`/api/v1/groups/${groupId}/leave`, headers),
				...route(leaveRoute.POST)
			});
			expect(response.status).toBe(403);
			expect((await response.json()).error).toMatchObject({
				code: 'cross_origin',
				message: expect.stringContaining('another site')
			});
			expect(await isMember()).toBe(true);
		}
	);

	it('refuses PUT, PATCH and DELETE from another origin too, signed in or not', async () => {
		for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
			for (const session of [cookie, null]) {
				const response = await handle({
					event: hookEvent(
						`/api/v1/groups/${groupId}`,
						{ origin: 'http://evil.test' },
						{ method, session }
					),
					resolve: async () => new Response('reached the route')
				});
				expect({ method, status: response.status }).toEqual({ method, status: 403 });
			}
		}
	});

	it('refuses a write to a page endpoint outside /api with a small 403 page saying why', async () => {
		const response = await handle({
			event: hookEvent(`/groups/${groupId}/resources/upload`, { origin: 'http://evil.test' }),
			resolve: async () => new Response('reached the route')
		});
		expect(response.status).toBe(403);
		expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
		const page = await response.text();
		expect(page).toContain('another site');
		expect(page).toContain('<html lang="en">');
		expect(page).toContain('<title>Refused · Tessera</title>');
	});

	it('lets reads from another origin through (they change nothing)', async () => {
		const response = await handle({
			event: hookEvent(
				`/api/v1/groups/${groupId}`,
				{ origin: 'http://evil.test' },
				{ method: 'GET' }
			),
			resolve: async () => new Response('reached the route')
		});
		expect(await response.text()).toBe('reached the route');
	});
});

describe('writes from the app itself and from scripts', () => {
	it('lets the app’s own page leave and join again', async () => {
		const left = await handle({
			event: hookEvent(`/api/v1/groups/${groupId}/leave`, {
				origin: APP,
				'sec-fetch-site': 'same-origin'
			}),
			...route(leaveRoute.POST)
		});
		expect(left.status).toBe(204);
		expect(await isMember()).toBe(false);
		const joined = await handle({
			event: hookEvent(`/api/v1/groups/${groupId}/join`, { 'sec-fetch-site': 'same-origin' }),
			...route(joinRoute.POST)
		});
		expect(joined.status).toBeLessThan(300);
		expect(await isMember()).toBe(true);
	});

	it('lets a client that is not a browser (no Origin, no Sec-Fetch-Site) write with its cookie', async () => {
		const response = await handle({
			event: hookEvent(`/api/v1/groups/${groupId}`, {}, { method: 'PATCH' }),
			resolve: async () => new Response('reached the route')
		});
		expect(await response.text()).toBe('reached the route');
	});

	it('leaves personal access tokens alone, whatever Origin they carry', async () => {
		const { secret } = await apiTokens.create(actor(learner), { name: 'script' });
		const response = await handle({
			event: hookEvent(
				`/api/v1/groups/${groupId}/leave`,
				{ origin: 'http://evil.test', authorization: `Bearer ${secret}` },
				{ session: null }
			),
			...route(leaveRoute.POST)
		});
		expect(response.status).toBe(204);
		expect(await isMember()).toBe(false);
		await memberships.join(actor(learner), groupId);
		expect(await isMember()).toBe(true);
	});
});
