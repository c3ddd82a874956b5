import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, Message, Result } from '$lib/realtime/events';
import { SESSION_COOKIE } from '$lib/server/auth/session';
import * as chat from '$lib/server/chat';
import { closePool } from '$lib/server/db';
import * as groups from '$lib/server/groups';
import * as learnerGroups from '$lib/server/learner-groups';
import * as memberships from '$lib/server/memberships';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';
import { PgBouncer } from './pooler-helpers';
import { connectAs, next, pause, request, signIn, type Client } from './realtime-helpers';
import { ServerProcess } from './realtime-process';

// The app deployed behind a transaction pooler, as on Supabase (port 6543): its requests go
// through PgBouncer in transaction mode with 3 server connections (APP_DATABASE_URL), its LISTEN
// connection and socket adapter straight to Postgres (LISTEN_DATABASE_URL), prepared statements
// off (DATABASE_PREPARE=false). Before LISTEN_DATABASE_URL existed, listening went through the
// request URL: no message arrived live, removals did not revoke, and the adapter could not
// connect at all (PgBouncer refuses the `options` startup parameter it sent).
const POOL = 3;
const PEOPLE = 20;
const REQUESTS = 2000;

const bouncer = new PgBouncer(POOL);
let app: ServerProcess;
const clients: Client[] = [];
let admin: TestUser;
let people: { user: TestUser; token: string; groupId: string }[] = [];

beforeAll(async () => {
	const adminUrl = process.env.TESSERA_TEST_ADMIN_URL!;
	const appUrl = process.env.TESSERA_APP_DATABASE_URL!;
	const appRole = new URL(appUrl);
	await bouncer.start(appUrl, {
		[decodeURIComponent(appRole.username)]: decodeURIComponent(appRole.password)
	});
	app = new ServerProcess(0, {
		whole: true,
		env: {
			DATABASE_URL: adminUrl,
			APP_DATABASE_URL: bouncer.urlFor(appUrl),
			LISTEN_DATABASE_URL: appUrl,
			DATABASE_PREPARE: 'false',
			TESSERA_APP_DATABASE_URL: '',
			TESSERA_LISTEN_DATABASE_URL: '',
			LEARNER_GROUP_EVENT_DEBOUNCE_SECONDS: '1'
		}
	});
	await app.start();

	const org = await createOrganisation();
	admin = await createUser({ name: 'Pooler Admin' });
	await addOrganisationMember(org.id, admin.id, 'admin');
	people = [];
	for (let i = 0; i < PEOPLE; i++) {
		const user = await createUser({ name: `Pooled ${i}`, memberOf: org.id });
		const group = await groups.create(actor(admin), {
			organisationId: org.id,
			name: `Pooled group ${i}`,
			visibility: 'members'
		});
		await memberships.add(actor(admin), group.id, { userIds: [user.id] });
		people.push({ user, token: (await signIn(user)).token, groupId: group.id });
	}
}, 120_000);

afterAll(async () => {
	for (const client of clients.splice(0)) client.close();
	await app?.kill('SIGTERM');
	await bouncer.stop();
}, 60_000);

function get(path: string, token: string) {
	return fetch(`${app.url}${path}`, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
}

/** Server connections of the app role that are not its LISTEN connection or socket adapter. */
async function pooledBackends(): Promise<number> {
	const [row] = await ownerDb()<{ n: number }[]>`
		select count(*)::int as n from pg_stat_activity
		where usename = 'tessera_app' and datname = current_database()
		  and application_name not in ('tessera-listen', 'tessera-realtime')`;
	return row.n;
}

describe('behind PgBouncer in transaction mode', () => {
	it('serves 2,000 interleaved requests of 20 people on 3 server connections, each seeing only what is theirs', async () => {
		// This test process's own connections (its fixtures' domain calls) are not the pooler's.
		await closePool();
		let most = 0;
		let sampling = true;
		const sampler = (async () => {
			while (sampling) {
				most = Math.max(most, await pooledBackends());
				await pause(50);
			}
		})();
		const wrong: string[] = [];
		let next = 0;
		const worker = async () => {
			while (next < REQUESTS) {
				const n = next++;
				const { user, token, groupId } = people[n % PEOPLE];
				const other = people[(n + 1) % PEOPLE].groupId;
				const kind = n % 3;
				if (kind === 0) {
					const response = await get('/api/v1/me', token);
					const body = (await response.json()) as { id?: string };
					if (body.id !== user.id) wrong.push(`me of ${user.id}: ${response.status} ${body.id}`);
				} else if (kind === 1) {
					const response = await get(`/api/v1/groups/${groupId}/members`, token);
					const body = (await response.json()) as { items?: { userId?: string; id?: string }[] };
					const ids = (body.items ?? []).map((m) => m.userId ?? m.id);
					if (response.status !== 200 || !ids.includes(user.id)) {
						wrong.push(`own group of ${user.id}: ${response.status} ${JSON.stringify(ids)}`);
					}
				} else {
					// Another person's group: someone else's claims on this connection would open it.
					const response = await get(`/api/v1/groups/${other}/members`, token);
					await response.arrayBuffer();
					if (response.status !== 404) wrong.push(`other group for ${user.id}: ${response.status}`);
				}
			}
		};
		await Promise.all(Array.from({ length: 40 }, worker));
		sampling = false;
		await sampler;
		console.log(
			`pooler: ${REQUESTS} requests of ${PEOPLE} people through PgBouncer (transaction mode, ` +
				`${POOL} server connections): ${wrong.length} wrong answers, at most ${most} server ` +
				`connections of the app's requests seen at once`
		);
		expect(wrong).toEqual([]);
		expect(most).toBeGreaterThan(0);
		expect(most).toBeLessThanOrEqual(POOL);
	}, 180_000);

	it('delivers chat live and revokes a removed member live', async () => {
		const [sender, receiver, removed] = people.slice(0, 3);
		const group = await groups.create(actor(admin), {
			organisationId: (await orgOf(sender.groupId))!,
			name: 'Pooled chat'
		});
		await memberships.add(actor(admin), group.id, {
			userIds: [sender.user.id, receiver.user.id, removed.user.id]
		});
		const general: Channel = (await chat.listChannels(actor(admin), group.id)).find(
			(c) => c.name === 'general'
		)!;
		const from = await connectAs(app.url, sender.user, clients);
		const to = await connectAs(app.url, receiver.user, clients);
		const gone = await connectAs(app.url, removed.user, clients);
		const arrival = next<Message>(to, 'message:new', (m) => m.body === 'through the pooler', 5000);
		const ack = await request<Result<{ message: Message }>>(from, 'message:send', {
			channelId: general.id,
			clientId: randomUUID(),
			body: 'through the pooler'
		});
		expect(ack.ok).toBe(true);
		expect((await arrival).channelId).toBe(general.id);

		const revoked = next<{ groupId: string }>(
			gone,
			'group:revoked',
			(p) => p.groupId === group.id,
			5000
		);
		// Through the app's API, so the removal (and its notification) is a pooled transaction.
		const response = await fetch(
			`${app.url}/api/v1/groups/${group.id}/members/${removed.user.id}`,
			{
				method: 'DELETE',
				headers: {
					cookie: `${SESSION_COOKIE}=${(await signIn(admin)).token}`,
					origin: app.url
				}
			}
		);
		expect(response.status).toBeLessThan(300);
		await revoked;
	}, 60_000);

	it('refreshes a learner group shortly after an enrolment, and /healthz says all is well', async () => {
		const org = await createOrganisation();
		const course = await createCourse(org.id);
		const staff = await createUser({ name: 'Pooled Instructor' });
		await enrol(course.id, staff.id, 'instructor');
		await learnerGroups.enable(actor(staff), course.id);
		const group = await learnerGroups.create(actor(staff), course.id, {
			name: 'Active learners',
			criteria: { all: [{ type: 'enrolment', role: 'learner', status: 'active' }] }
		});
		const learners = people.slice(0, 3).map((p) => p.user.id);
		await ownerDb()`
			insert into public.enrolments (course_id, user_id)
			select ${course.id}, unnest(${learners}::uuid[])`;
		await expect
			.poll(
				async () =>
					ownerDb()<{ added_count: number }[]>`
						select added_count from public.learner_group_refreshes
						where group_id = ${group.id} and trigger = 'event'`,
				{ timeout: 30_000, interval: 250 }
			)
			.toEqual([{ added_count: 3 }]);
		const health = await fetch(`${app.url}/healthz`);
		expect(health.status).toBe(200);
		expect(await health.json()).toMatchObject({ status: 'ok', down: [] });
	}, 60_000);
});

async function orgOf(groupId: string): Promise<string | undefined> {
	const [row] = await ownerDb()<{ organisation_id: string }[]>`
		select organisation_id from public.groups where id = ${groupId}`;
	return row?.organisation_id;
}
