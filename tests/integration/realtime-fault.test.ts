import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Result } from '$lib/realtime/events';
import * as chat from '$lib/server/chat';
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
import { open, pause, signIn, type Client } from './realtime-helpers';
import { ServerProcess } from './realtime-process';

// 100 people chat in one channel, each through a client that behaves like the app's: it keeps an
// outbox of unacknowledged messages (retried with the same client id after every reconnect) and
// catches up from its last seq on every connect. Meanwhile the server process is killed without
// warning and restarted, several times.
const PEOPLE = 100;
const KILLS = 3;
const SEND_EVERY_MS = 2000;
// Generous: the whole suite may be running on the same two cores.
const ACK_TIMEOUT_MS = 10_000;

type Sent = { id: string; seq: number };

class ChatClient {
	readonly socket: Client;
	readonly seen = new Map<number, string>();
	readonly acked = new Map<string, Sent>();
	readonly outbox: { clientId: string; body: string }[] = [];
	private flushing = false;
	private catchingUp = Promise.resolve();
	connects = 0;

	constructor(
		url: string,
		token: string,
		private readonly channelId: string,
		readonly name: string
	) {
		this.socket = open(url, { token }, { reconnection: true });
		this.socket.on('message:new', (message) => this.record(message));
		this.socket.on('ready', () => {
			this.connects += 1;
			this.catchingUp = this.catchup().then(() => this.flush());
		});
	}

	private record(message: Message) {
		if (message.channelId !== this.channelId) return;
		const known = this.seen.get(message.seq);
		if (known && known !== message.id) throw new Error(`Two messages with seq ${message.seq}`);
		this.seen.set(message.seq, message.id);
	}

	private lastSeq() {
		let seq = 0;
		while (this.seen.has(seq + 1)) seq += 1;
		return seq;
	}

	private ask<T extends object>(event: string, payload: unknown): Promise<Result<T> | null> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => resolve(null), ACK_TIMEOUT_MS);
			(this.socket.emit as (event: string, ...args: unknown[]) => void)(
				event,
				payload,
				(result: Result<T>) => {
					clearTimeout(timer);
					resolve(result);
				}
			);
		});
	}

	async catchup() {
		for (;;) {
			if (!this.socket.connected) return;
			const page = await this.ask<{ messages: Message[]; hasMore: boolean }>('channel:catchup', {
				channelId: this.channelId,
				afterSeq: this.lastSeq()
			});
			if (!page?.ok) return;
			for (const message of page.messages) this.record(message);
			if (!page.hasMore) return;
		}
	}

	write(body: string) {
		this.outbox.push({ clientId: randomUUID(), body });
		void this.flush();
	}

	/** Sends the outbox in order; anything unacknowledged stays for the next connect. */
	async flush() {
		if (this.flushing) return;
		this.flushing = true;
		try {
			while (this.outbox.length > 0 && this.socket.connected) {
				const item = this.outbox[0];
				const answer = await this.ask<{ message: Message }>('message:send', {
					channelId: this.channelId,
					...item
				});
				if (!answer) break;
				if (!answer.ok) {
					// Both say "try again" (a restarted server may not reach its database yet), as the
					// browser's outbox does.
					if (answer.error.code === 'rate_limited' || answer.error.code === 'unavailable') {
						await pause(answer.error.retryAfterMs ?? 500);
						continue;
					}
					throw new Error(`Send refused: ${answer.error.code} ${answer.error.message}`);
				}
				const previous = this.acked.get(item.clientId);
				if (previous && previous.id !== answer.message.id) {
					throw new Error('A retry was acknowledged as a different message');
				}
				this.acked.set(item.clientId, { id: answer.message.id, seq: answer.message.seq });
				this.record(answer.message);
				this.outbox.shift();
			}
		} finally {
			this.flushing = false;
		}
	}

	async settle() {
		await this.catchingUp;
		await this.flush();
		await this.catchup();
	}
}

const server = new ServerProcess();
let people: TestUser[];
let channelId: string;
const chatters: ChatClient[] = [];

beforeAll(async () => {
	const org = await createOrganisation();
	const admin = await createUser({ name: 'Fault Admin' });
	await addOrganisationMember(org.id, admin.id, 'admin');
	const group = await groups.create(actor(admin), { organisationId: org.id, name: 'Fault line' });
	people = [];
	for (let i = 0; i < PEOPLE; i++) {
		people.push(await createUser({ name: `Chatter ${i}`, memberOf: org.id }));
	}
	await memberships.add(actor(admin), group.id, { userIds: people.map((p) => p.id) });
	channelId = (await chat.listChannels(actor(admin), group.id)).find(
		(c) => c.name === 'general'
	)!.id;
	await server.start();
}, 120_000);

afterAll(async () => {
	for (const chatter of chatters) chatter.socket.close();
	await server.kill('SIGTERM');
});

describe('a server process that crashes and restarts', () => {
	it('loses no acknowledged message and duplicates none, for senders and receivers', async () => {
		for (const person of people) {
			const { token } = await signIn(person);
			chatters.push(new ChatClient(server.url, token, channelId, person.displayName));
		}
		await Promise.all(
			chatters.map(
				(chatter) =>
					new Promise<void>((resolve) => {
						if (chatter.connects > 0) return resolve();
						chatter.socket.once('ready', () => resolve());
					})
			)
		);

		let writing = true;
		let written = 0;
		const writers = chatters.map(async (chatter, i) => {
			await pause((i * SEND_EVERY_MS) / PEOPLE);
			while (writing) {
				chatter.write(`${chatter.name} says ${written++}`);
				await pause(SEND_EVERY_MS);
			}
		});

		for (let kill = 0; kill < KILLS; kill++) {
			await pause(3000 + Math.random() * 2000);
			await server.kill('SIGKILL');
			await pause(300);
			await server.start();
		}
		await pause(3000);
		writing = false;
		await Promise.all(writers);

		// Every client reconnects, sends what is left in its outbox and catches up.
		const deadline = Date.now() + 150_000;
		for (;;) {
			await Promise.all(chatters.map((chatter) => chatter.settle()));
			if (chatters.every((c) => c.outbox.length === 0 && c.socket.connected)) break;
			if (Date.now() > deadline) {
				const waiting = chatters.reduce((sum, c) => sum + c.outbox.length, 0);
				const offline = chatters.filter((c) => !c.socket.connected).length;
				throw new Error(`Not settled: ${waiting} messages unsent, ${offline} clients offline`);
			}
			await pause(500);
		}
		await Promise.all(chatters.map((chatter) => chatter.catchup()));

		const stored = await ownerDb()<{ id: string; seq: number; clientId: string }[]>`
			select id, seq::int as seq, client_id as "clientId" from public.messages
			where channel_id = ${channelId} order by seq`;
		expect(stored.length).toBe(written);
		// Gap-free seqs, one message per client id.
		expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
		expect(new Set(stored.map((m) => m.clientId)).size).toBe(stored.length);
		const byClientId = new Map(stored.map((m) => [m.clientId, m]));
		const acked = chatters.flatMap((chatter) => [...chatter.acked.entries()]);
		expect(acked.length).toBe(written);
		for (const [clientId, sent] of acked) {
			expect(byClientId.get(clientId)).toEqual({ id: sent.id, seq: sent.seq, clientId });
		}
		// Every receiver holds every message exactly once, under the right seq.
		const truth = new Map(stored.map((m) => [m.seq, m.id]));
		for (const chatter of chatters) {
			expect(chatter.seen).toEqual(truth);
			// Every client lived through at least one crash (a slow reconnect may sleep through the next).
			expect(chatter.connects).toBeGreaterThan(1);
		}
	}, 400_000);
});
