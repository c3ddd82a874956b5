import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '$lib/realtime/connection.svelte';
import type { Channel } from '$lib/realtime/events';
import { GroupChat, type PendingMessage } from '$lib/realtime/group-chat.svelte';
import * as chat from '$lib/server/chat';
import { SESSION_COOKIE } from '$lib/server/auth/session';
import { groupCast, type Cast } from './group-cast';
import { actor, ownerDb, type TestUser } from './helpers';
import { connectAs, request, signIn, startServer, type Client } from './realtime-helpers';

/**
 * The browser's chat state (GroupChat over Connection) against the app's real Socket.IO server:
 * what a person sees after sends, drops and reconnects is exactly what the database holds.
 */
let server: Awaited<ReturnType<typeof startServer>>;
let cast: Cast;
let general: Channel;
const opened: GroupChat[] = [];
const raw: Client[] = [];

/** Web Storage as a browser has it, so the outbox can be kept across a "reload". */
class MemoryStorage {
	#items = new Map<string, string>();
	getItem(key: string) {
		return this.#items.get(key) ?? null;
	}
	setItem(key: string, value: string) {
		this.#items.set(key, value);
	}
	removeItem(key: string) {
		this.#items.delete(key);
	}
}

beforeAll(async () => {
	server = await startServer();
	cast = await groupCast();
	general = (await chat.listChannels(actor(cast.learnerG), cast.G.id)).find(
		(channel) => channel.name === 'general'
	)!;
});

afterEach(() => {
	for (const state of opened.splice(0)) {
		state.destroy();
		state.connection.close();
	}
	for (const client of raw.splice(0)) client.close();
	delete (globalThis as { localStorage?: unknown }).localStorage;
});

afterAll(async () => {
	await server.close();
});

async function chatFor(user: TestUser) {
	const { token } = await signIn(user);
	const connection = new Connection({
		url: server.url,
		socket: {
			extraHeaders: { origin: server.url, cookie: `${SESSION_COOKIE}=${token}` },
			reconnectionDelay: 50,
			reconnectionDelayMax: 200
		}
	});
	const state = new GroupChat(connection, {
		groupId: cast.G.id,
		me: { id: user.id, displayName: user.displayName },
		channels: await chat.listChannels(actor(user), cast.G.id)
	});
	opened.push(state);
	state.start();
	await connection.whenConnected();
	await state.open(general.id);
	return state;
}

async function until(condition: () => boolean, what: string, ms = 5000) {
	const deadline = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

async function stored(clientIds: string[]) {
	return ownerDb()<{ client_id: string; seq: number }[]>`
		select client_id::text, seq::int from public.messages
		where channel_id = ${general.id} and client_id = any(${clientIds}::uuid[]) order by seq`;
}

const view = (state: GroupChat) => state.channel(general.id)!;
const bodies = (state: GroupChat) => view(state).messages.map((message) => message.body);

describe('GroupChat against the socket server', () => {
	it('shows a sent message once to its sender and live to another member, in seq order', async () => {
		const sender = await chatFor(cast.learnerG);
		const reader = await chatFor(cast.learnerG1a);
		const stamp = randomUUID();
		sender.send(general.id, `hello ${stamp}`);
		expect(view(sender).pending).toHaveLength(1);
		await until(() => view(sender).pending.length === 0, 'the ack');
		await until(() => bodies(reader).includes(`hello ${stamp}`), 'the broadcast');
		expect(bodies(sender).filter((body) => body === `hello ${stamp}`)).toHaveLength(1);
		const seqs = view(reader).messages.map((message) => message.seq);
		expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
	});

	it('catches up what it missed while disconnected, with no gap and no duplicate', async () => {
		const writer = await chatFor(cast.learnerG);
		const reader = await chatFor(cast.leaderG);
		const before = view(reader).lastSeq;
		reader.connection.socket.disconnect();
		const stamp = randomUUID();
		for (let i = 0; i < 5; i += 1) writer.send(general.id, `missed ${i} ${stamp}`);
		await until(() => view(writer).pending.length === 0, 'five acks');
		expect(bodies(reader).some((body) => body.includes(stamp))).toBe(false);

		reader.connection.socket.connect();
		await until(
			() => bodies(reader).filter((body) => body.includes(stamp)).length === 5,
			'the catch-up'
		);
		const after = view(reader).messages.filter((message) => message.seq > before);
		expect(after.map((message) => message.seq)).toEqual(
			after.map((_, index) => before + index + 1)
		);
		expect(after.map((message) => message.body)).toEqual(
			[0, 1, 2, 3, 4].map((i) => `missed ${i} ${stamp}`)
		);
	});

	it('converges on edits, deletions and reactions made while it was disconnected', async () => {
		const writer = await chatFor(cast.learnerG);
		const reader = await chatFor(cast.learnerG1);
		const stamp = randomUUID();
		for (const name of ['edit', 'delete', 'react', 'untouched']) {
			writer.send(general.id, `${name} ${stamp}`);
		}
		await until(() => view(writer).pending.length === 0, 'four acks');
		await until(
			() => bodies(reader).filter((body) => body.includes(stamp)).length === 4,
			'the broadcasts'
		);
		const byBody = (name: string) =>
			view(reader).messages.find((message) => message.body === `${name} ${stamp}`)!;
		const [toEdit, toDelete, toReact, untouched] = ['edit', 'delete', 'react', 'untouched'].map(
			byBody
		);

		reader.connection.socket.disconnect();
		const author = actor(cast.learnerG);
		await chat.edit(author, { messageId: toEdit.id, body: `edited ${stamp}` });
		await chat.remove(author, { messageId: toDelete.id });
		await chat.react(actor(cast.leaderG), { messageId: toReact.id, emoji: '🎉' });
		// A reaction added and taken back while away leaves nothing behind.
		await chat.react(author, { messageId: untouched.id, emoji: '👀' });
		await chat.react(author, { messageId: untouched.id, emoji: '👀' });
		const missedLive = view(reader).messages.find((message) => message.id === toEdit.id)!;
		expect(missedLive.body).toBe(`edit ${stamp}`);

		reader.connection.socket.connect();
		const find = (id: string) => view(reader).messages.find((message) => message.id === id)!;
		await until(() => find(toEdit.id).body === `edited ${stamp}`, 'the edit');
		expect(find(toEdit.id).editedAt).not.toBeNull();
		expect(find(toDelete.id).deletedAt).not.toBeNull();
		expect(find(toDelete.id).body).toBe('');
		expect(find(toReact.id).reactions).toEqual([
			expect.objectContaining({ emoji: '🎉', count: 1, mine: false })
		]);
		expect(find(untouched.id).reactions).toEqual([]);
		// What it shows is what a fresh reader loads from the database.
		const fresh = await chat.history(actor(cast.learnerG1), { channelId: general.id, limit: 50 });
		const shape = (m: {
			id: string;
			body: string;
			deletedAt: string | null;
			reactions: unknown[];
		}) => [m.id, m.body, m.deletedAt !== null, m.reactions.length].join('|');
		const held = new Map(view(reader).messages.map((m) => [m.id, shape(m)]));
		for (const message of fresh.messages) {
			if (held.has(message.id)) expect(held.get(message.id)).toBe(shape(message));
		}
	});

	it('keeps a message typed offline and delivers it exactly once on reconnect', async () => {
		const sender = await chatFor(cast.learnerG1);
		sender.connection.socket.disconnect();
		const stamp = randomUUID();
		sender.send(general.id, `offline ${stamp}`);
		const [pending] = view(sender).pending;
		expect(pending.status).toBe('sending');
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(await stored([pending.clientId])).toEqual([]);

		sender.connection.socket.connect();
		await until(() => view(sender).pending.length === 0, 'the delivery after reconnect');
		expect(await stored([pending.clientId])).toHaveLength(1);
		expect(bodies(sender).filter((body) => body === `offline ${stamp}`)).toHaveLength(1);
	});

	it('re-sends an outbox kept across a reload with the same client id, so nothing is stored twice', async () => {
		const storage = new MemoryStorage();
		(globalThis as { localStorage?: unknown }).localStorage = storage;
		// The first page sent this message and the server stored it, but the ack never arrived.
		const clientId = randomUUID();
		const body = `lost ack ${clientId}`;
		const direct = await connectAs(server.url, cast.learnerG, raw);
		const first = await request<{ ok: boolean }>(direct, 'message:send', {
			channelId: general.id,
			clientId,
			body
		});
		expect(first.ok).toBe(true);
		const outbox: PendingMessage[] = [
			{
				clientId,
				channelId: general.id,
				body,
				attachment: null,
				createdAt: new Date().toISOString(),
				status: 'sending',
				error: null
			}
		];
		storage.setItem(`tessera:outbox:${cast.learnerG.id}:${cast.G.id}`, JSON.stringify(outbox));

		const reloaded = await chatFor(cast.learnerG);
		await until(() => view(reloaded).pending.length === 0, 'the re-send');
		expect(await stored([clientId])).toHaveLength(1);
		expect(bodies(reloaded).filter((text) => text === body)).toHaveLength(1);
		expect(storage.getItem(`tessera:outbox:${cast.learnerG.id}:${cast.G.id}`)).toBeNull();
	});

	it('marks a refused message as not sent, with the server’s reason, and does not retry it', async () => {
		const sender = await chatFor(cast.learnerG);
		sender.send(general.id, 'x'.repeat(4001));
		await until(() => view(sender).pending[0]?.status === 'failed', 'the refusal');
		expect(view(sender).pending[0].error).toMatch(/4,000 characters/);
	});

	it('counts unread messages in a channel that is not open, and clears them on opening it', async () => {
		const writer = await chatFor(cast.learnerG);
		const reader = await chatFor(cast.learnerG1);
		const other = await chat.createChannel(actor(cast.orgAdmin), cast.G.id, `side-${Date.now()}`);
		await until(() => !!reader.channel(other.id), 'the new channel to appear live');
		writer.setChannels(await chat.listChannels(actor(cast.learnerG), cast.G.id));
		writer.send(other.id, 'one');
		writer.send(other.id, 'two');
		await until(() => reader.channel(other.id)!.info.unread === 2, 'two unread');
		await reader.open(other.id);
		expect(reader.channel(other.id)!.info.unread).toBe(0);
		expect(reader.channel(other.id)!.dividerAfter).toBe(0);
		// The read position is kept on the server, so another device starts from it.
		const deadline = Date.now() + 5000;
		let position = 0;
		while (position !== 2 && Date.now() < deadline) {
			const [read] = await ownerDb()<{ last_read_seq: number }[]>`
				select last_read_seq::int from public.channel_reads
				where channel_id = ${other.id} and user_id = ${cast.learnerG1.id}`;
			position = read?.last_read_seq ?? 0;
		}
		expect(position).toBe(2);
		expect(
			(await chat.listChannels(actor(cast.learnerG1), cast.G.id)).find((c) => c.id === other.id)!
				.unread
		).toBe(0);
	});
});
