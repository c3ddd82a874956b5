import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as chat from '$lib/server/chat';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import { actor, addOrganisationMember, createOrganisation, createUser } from './helpers';
import {
	AppProcess,
	audit,
	answeredP95Ms,
	byStatus,
	ChatClient,
	chatLoad,
	contention,
	httpLoad,
	settleAll,
	terminateAppConnections,
	type HttpResult,
	watchHealth
} from './faults-helpers';
import { pause, signIn } from './realtime-helpers';

// The whole app in its own process, on its own embedded Postgres, under ~200 HTTP requests/s and
// ~50 chat messages/s, while every connection it holds (pool, LISTEN, socket adapter, jobs) is
// ended from the server side (pg_terminate_backend), 20 times at random moments.
const PEOPLE = 25;
const SEND_EVERY_MS = 500;
const REQUESTS_PER_SECOND = 200;
const TERMINATIONS = 20;

const app = new AppProcess('app');
const clients: ChatClient[] = [];
let channelId = '';
let token = '';

beforeAll(async () => {
	await app.start();
	app.useItsDatabase();
	const org = await createOrganisation();
	const admin = await createUser({ name: 'Terminate Admin' });
	await addOrganisationMember(org.id, admin.id, 'admin');
	const group = await groups.create(actor(admin), { organisationId: org.id, name: 'Terminations' });
	const people = [];
	for (let i = 0; i < PEOPLE; i++) {
		people.push(await createUser({ name: `Survivor ${i}`, memberOf: org.id }));
	}
	await memberships.add(actor(admin), group.id, { userIds: people.map((p) => p.id) });
	channelId = (await chat.listChannels(actor(admin), group.id)).find(
		(c) => c.name === 'general'
	)!.id;
	token = (await signIn(admin)).token;
	for (const person of people) {
		const session = await signIn(person);
		clients.push(new ChatClient(app.url, session.token, channelId, person.displayName));
	}
	await waitUntil(() => clients.every((client) => client.connects > 0), 30_000);
}, 150_000);

afterAll(async () => {
	for (const client of clients) client.socket.close();
	await app.dispose();
}, 60_000);

async function waitUntil(check: () => boolean, ms: number) {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('Timed out waiting');
		await pause(100);
	}
}

/** Failures (anything but 200) only within 5 s after a termination, each within 2 s on top of what an answered request takes at this load. */
function httpFigures(results: HttpResult[], kills: number[]) {
	const failures = results.filter((r) => r.status !== 200);
	const window = 5000 * contention();
	const near = (r: HttpResult) => kills.some((at) => r.end >= at && r.start <= at + window);
	const afterKill = (r: HttpResult) =>
		r.end - Math.max(...kills.filter((at) => at <= r.end), -Infinity);
	return {
		requests: results.length,
		statuses: byStatus(results),
		outsideOutage: failures.filter((r) => !near(r)).length,
		notA503: failures.filter((r) => r.status !== 503).length,
		slowest503Ms: Math.max(0, ...failures.map((r) => r.end - r.start)),
		answeredP95Ms: answeredP95Ms(results),
		recoveryMs: Math.max(0, ...failures.map(afterKill))
	};
}

describe('every app connection terminated, 20 times, under load', () => {
	it('answers 503 only around a termination, recovers within 5 s, loses and doubles no acknowledged message, and the process lives', async () => {
		const load = chatLoad(clients, SEND_EVERY_MS);
		const http = httpLoad(app.url, '/api/v1/me', token, REQUESTS_PER_SECOND);
		const kills: number[] = [];
		let terminated = 0;
		await pause(2000);
		for (let i = 0; i < TERMINATIONS; i++) {
			kills.push(Date.now());
			terminated += await terminateAppConnections(app.adminUrl());
			await pause(300 + Math.random() * 900);
		}
		const last = kills.at(-1)!;
		const healthWatch = watchHealth(app.url, last);
		await pause(4000);
		await http.stop();
		await load.stop();
		await settleAll(clients);

		const web = httpFigures(http.results, kills);
		const chatRecoveryMs = Math.max(0, ...clients.map((c) => c.lastUnavailableAt - last));
		const timeouts = clients.reduce((n, c) => n + c.timeouts, 0);
		const messages = await audit(app.adminUrl(), channelId, clients);
		const unavailable = clients.reduce((n, c) => n + (c.refusals.get('unavailable') ?? 0), 0);
		const { health, okAfterMs: listenerRecoveryMs } = await healthWatch.stop();
		const slower = contention();
		console.log(
			`faults: ${TERMINATIONS} terminations of every app connection (${terminated} backends) — HTTP ` +
				`${web.requests} requests (${http.rate}/s of ${REQUESTS_PER_SECOND}/s asked) ` +
				`${JSON.stringify(web.statuses)}, ${web.outsideOutage} failures away from a termination, ` +
				`slowest failure ${web.slowest503Ms} ms (answered requests' p95 ${web.answeredP95Ms} ms), last failure ${web.recoveryMs} ms after its termination; chat ` +
				`${messages.acked} acknowledged, ${messages.lost} lost, ${messages.duplicates} duplicated, ` +
				`${unavailable} 'unavailable' answers, ${timeouts} unanswered in 5 s (retried), ` +
				`last 'unavailable' ${chatRecoveryMs} ms after the last termination, ` +
				`${clients.reduce((n, c) => n + c.disconnects, 0)} socket disconnects; ` +
				`/healthz all well (listening again) ${listenerRecoveryMs} ms after; ` +
				`${app.crashes} crashes, ${app.unhandledErrors().length} unhandled errors; ` +
				`machine load ×${slower} (bounds stretched by it)`
		);

		expect(app.crashes).toBe(0);
		expect(app.unhandledErrors()).toEqual([]);
		expect(terminated).toBeGreaterThanOrEqual(TERMINATIONS);
		expect(web.requests).toBeGreaterThan(100);
		expect(web.notA503).toBe(0);
		expect(web.outsideOutage).toBe(0);
		expect(web.slowest503Ms).toBeLessThan(2000 * slower + web.answeredP95Ms);
		expect(web.recoveryMs).toBeLessThan(5000 * slower);
		expect(chatRecoveryMs).toBeLessThan(5000 * slower);
		expect(messages).toMatchObject({ lost: 0, duplicates: 0, gaps: 0, receiversWrong: 0 });
		expect(messages.acked).toBe(load.written);
		expect(messages.stored).toBe(load.written);
		expect(clients.every((c) => c.disconnects === 0)).toBe(true);
		// Everything listens again: the app's LISTEN connection and the socket adapter's.
		expect(health).toMatchObject({ status: 'ok', down: [], listener: { status: 'listening' } });
		expect(listenerRecoveryMs).not.toBeNull();
		expect(listenerRecoveryMs).toBeLessThan(5000 * slower);
	}, 240_000);
});
