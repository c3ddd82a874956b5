import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as chat from '$lib/server/chat';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import { actor, addOrganisationMember, createOrganisation, createUser } from './helpers';
import { AppProcess, audit, ChatClient, chatLoad, contention, settleAll } from './faults-helpers';
import { pause, signIn } from './realtime-helpers';

// The app's socket server in its own process, owning its embedded Postgres as `npm start` does,
// killed with SIGKILL ten times while 50 people chat, and started again each time. The kill
// leaves that Postgres running without its parent: the next start must stop it and go on.
const PEOPLE = 50;
const KILLS = Number(process.env.FAULTS_KILLS ?? 10);
const SEND_EVERY_MS = 1000;
const CAUGHT_UP_WITHIN_MS = 2000;

const app = new AppProcess('realtime');
const clients: ChatClient[] = [];
let channelId = '';

beforeAll(async () => {
	await app.start();
	app.useItsDatabase();
	const org = await createOrganisation();
	const admin = await createUser({ name: 'Crash Admin' });
	await addOrganisationMember(org.id, admin.id, 'admin');
	const group = await groups.create(actor(admin), { organisationId: org.id, name: 'Crashes' });
	const people = [];
	for (let i = 0; i < PEOPLE; i++) {
		people.push(await createUser({ name: `Crasher ${i}`, memberOf: org.id }));
	}
	await memberships.add(actor(admin), group.id, { userIds: people.map((p) => p.id) });
	channelId = (await chat.listChannels(actor(admin), group.id)).find(
		(c) => c.name === 'general'
	)!.id;
	for (const person of people) {
		const session = await signIn(person);
		clients.push(new ChatClient(app.url, session.token, channelId, person.displayName));
	}
	const deadline = Date.now() + 30_000;
	while (!clients.every((client) => client.connects > 0)) {
		if (Date.now() > deadline) throw new Error('Clients did not connect');
		await pause(100);
	}
}, 150_000);

afterAll(async () => {
	for (const client of clients) client.socket.close();
	await app.dispose();
}, 60_000);

describe('an app killed with SIGKILL and started again, ten times', () => {
	it('starts every time despite the Postgres it left running, loses and doubles no acknowledged message, and every client catches up within 2 s', async () => {
		const load = chatLoad(clients, SEND_EVERY_MS);
		const catchUpMs: number[] = [];
		const restartMs: number[] = [];
		for (let kill = 0; kill < KILLS; kill++) {
			await pause(1000 + Math.random() * 1000);
			await app.kill('SIGKILL');
			const killed = Date.now();
			await pause(100);
			await app.start();
			const listening = Date.now();
			restartMs.push(listening - killed);
			// Every client is back, in its rooms, and has read the channel to its end.
			const deadline = listening + 10_000;
			while (!clients.every((c) => c.socket.connected && c.caughtUpAt >= listening)) {
				if (Date.now() > deadline) break;
				await pause(20);
			}
			catchUpMs.push(Math.max(...clients.map((c) => c.caughtUpAt - listening)));
			if (process.env.FAULTS_VERBOSE) {
				const latest = (pick: (c: ChatClient) => number) =>
					Math.max(...clients.map((c) => pick(c) - listening));
				console.log(
					`restart ${kill + 1}: ${listening - killed} ms; connected ${latest((c) => c.connectedAt)}, ` +
						`ready ${latest((c) => c.readyAt)}, caught up ${catchUpMs.at(-1)} ms`
				);
			}
		}
		await pause(1000);
		await load.stop();
		await settleAll(clients);

		const messages = await audit(app.adminUrl(), channelId, clients);
		const slower = contention();
		console.log(
			`faults: ${KILLS} kill -9 restarts with ${PEOPLE} clients — restart ` +
				`${Math.min(...restartMs)}–${Math.max(...restartMs)} ms, every client caught up within ` +
				`${Math.max(...catchUpMs)} ms of a restart (per restart: ${catchUpMs.join(', ')}); chat ` +
				`${messages.acked} acknowledged, ${messages.lost} lost, ${messages.duplicates} duplicated, ` +
				`${messages.receiversWrong} receivers wrong; ${app.unhandledErrors().length} unhandled errors; ` +
				`machine load ×${slower} (bounds stretched by it)`
		);

		expect(app.unhandledErrors()).toEqual([]);
		expect(messages).toMatchObject({ lost: 0, duplicates: 0, gaps: 0, receiversWrong: 0 });
		expect(messages.acked).toBe(load.written);
		expect(messages.stored).toBe(load.written);
		expect(Math.max(...catchUpMs)).toBeLessThan(CAUGHT_UP_WITHIN_MS * slower);
		// Only the kills ended the process.
		expect(app.crashes).toBe(0);
		expect(app.output).toContain('left running by a Tessera process that ended');
	}, 500_000);
});
