import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Result } from '$lib/realtime/events';
import * as chat from '$lib/server/chat';
import { groupCast, type Cast } from './group-cast';
import { actor, ownerDb } from './helpers';
import { connectAs, pause, request, startServer, type Client } from './realtime-helpers';

let server: Awaited<ReturnType<typeof startServer>>;
let cast: Cast;
let channelId: string;
let messageId: string;
const clients: Client[] = [];

beforeAll(async () => {
	server = await startServer();
	cast = await groupCast();
	channelId = (await chat.listChannels(actor(cast.orgAdmin), cast.G.id)).find(
		(c) => c.name === 'general'
	)!.id;
	messageId = (
		await chat.send(actor(cast.learnerG), { channelId, clientId: randomUUID(), body: 'target' })
	).message.id;
});

afterEach(() => {
	for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
	await server.close();
});

const EVENTS = [
	'message:send',
	'message:edit',
	'message:delete',
	'reaction:toggle',
	'channel:catchup',
	'channel:history',
	'channel:search',
	'channel:read',
	'presence:list',
	'typing'
];

const garbage = (): unknown[] => [
	undefined,
	null,
	42,
	'just a string',
	true,
	[],
	[channelId],
	{},
	{ channelId: { $gt: '' }, messageId: { $ne: null }, groupId: ['x'] },
	{ channelId: 'x'.repeat(10_000), messageId: '../../etc/passwd', groupId: "' or 1=1 --" },
	{ channelId: 12, clientId: 34, body: 56, afterSeq: 'zero', beforeSeq: -1, limit: 1e9, seq: NaN },
	{ channelId: null, body: null, query: null, emoji: null },
	JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
	{ channelId: '00000000-0000-0000-0000-000000000000', afterSeq: -5, seq: 1.5, limit: 0 }
];

async function stored() {
	const [row] = await ownerDb()`
		select (select count(*)::int from public.messages) as messages,
		       (select count(*)::int from public.message_reactions) as reactions,
		       (select count(*)::int from public.channel_reads) as reads,
		       (select string_agg(body, '|' order by id) from public.messages) as bodies`;
	return row;
}

async function stillServes(client: Client) {
	const ask = () =>
		request<Result<{ messages: Message[] }>>(client, 'channel:history', { channelId, limit: 1 });
	let answer = await ask();
	while (!answer.ok && answer.error.code === 'rate_limited') {
		await pause(answer.error.retryAfterMs ?? 100);
		answer = await ask();
	}
	expect(answer.ok).toBe(true);
}

describe('malformed events', () => {
	it('answers every event with garbage arguments with a clear error, stores nothing and keeps serving', async () => {
		const client = await connectAs(server.url, cast.learnerG, clients);
		const before = await stored();
		for (const event of EVENTS) {
			for (const payload of garbage()) {
				let answer = await request<Result>(client, event, payload);
				// The per-person event limit is not what this test is about: wait it out.
				while (!answer.ok && answer.error.code === 'rate_limited') {
					await pause(answer.error.retryAfterMs ?? 100);
					answer = await request<Result>(client, event, payload);
				}
				expect(answer.ok, `${event} ${JSON.stringify(payload)}`).toBe(false);
				if (answer.ok) continue;
				expect(['invalid_input', 'not_found']).toContain(answer.error.code);
				expect(answer.error.message.length).toBeGreaterThan(0);
				expect(answer.error.message).not.toMatch(/postgres|syntax|stack|at \w+ \(/i);
			}
		}
		expect(await stored()).toEqual(before);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(client.connected).toBe(true);
		await stillServes(client);
	});

	it('survives events without an ack, with extra arguments, unknown names and binary payloads', async () => {
		const client = await connectAs(server.url, cast.learnerG, clients);
		const before = await stored();
		const emit = (client.emit as (event: string, ...args: unknown[]) => void).bind(client);
		emit('message:send', { channelId, clientId: 'nope', body: 'no ack, bad id' });
		emit('message:edit');
		emit('channel:catchup', { channelId, afterSeq: 0 }, 'not a function', 3);
		emit('no:such:event', { anything: true }, () => {});
		emit('message:send', Buffer.from([0xde, 0xad, 0xbe, 0xef]), () => {});
		emit('typing', { channelId: { nested: { deeper: [1, 2, 3] } } });
		// The event limit is per person, and the test before spent this learner's: wait it out.
		const sendBinary = () =>
			request<Result>(client, 'message:send', {
				channelId,
				clientId: randomUUID(),
				body: Buffer.from('hello')
			});
		let binary = await sendBinary();
		while (!binary.ok && binary.error.code === 'rate_limited') {
			await pause(binary.error.retryAfterMs ?? 100);
			binary = await sendBinary();
		}
		expect(binary.ok ? 'ok' : binary.error.code).toBe('invalid_input');
		await pause(300);
		expect(await stored()).toEqual(before);
		await stillServes(client);
	});

	it('refuses a NUL character and a 60 KB body with clear reasons; takes odd but valid unicode', async () => {
		const client = await connectAs(server.url, cast.learnerG, clients);
		const before = await stored();
		const send = (body: string) =>
			request<Result<{ message: Message }>>(client, 'message:send', {
				channelId,
				clientId: randomUUID(),
				body
			});
		const nul = await send('before\u0000after');
		expect(nul.ok ? '' : nul.error.message).toMatch(/NUL/);
		const huge = await send('y'.repeat(60_000));
		expect(huge.ok ? '' : huge.error.message).toMatch(/4,000/);
		expect(await stored()).toEqual(before);
		for (const body of [
			'🏳️‍🌈 Zalgo: Z̷̢a̸l̵g̶o',
			'RTL: \u202eevil.exe',
			'עברית ومرحبا 你好',
			'<script>alert(1)</script>'
		]) {
			const answer = await send(body);
			expect(answer.ok && answer.message.body).toBe(body);
		}
	});

	it('answers a flood of events from one socket with rate_limited and keeps serving others', async () => {
		const flooder = await connectAs(server.url, cast.learnerG1, clients);
		const bystander = await connectAs(server.url, cast.learnerG, clients);
		const answers = await Promise.all(
			Array.from({ length: 400 }, () =>
				request<Result>(flooder, 'channel:catchup', { channelId, afterSeq: 1e9 }, 15_000)
			)
		);
		const codes = answers.map((a) => (a.ok ? 'ok' : a.error.code));
		expect(codes).toContain('rate_limited');
		expect(codes.filter((code) => code !== 'ok' && code !== 'rate_limited')).toEqual([]);
		await stillServes(bystander);
		expect(flooder.connected).toBe(true);
	});

	it('never answers another group’s message through any id it is given', async () => {
		const intruder = await connectAs(server.url, cast.learnerH, clients);
		const answers = await Promise.all([
			request<Result>(intruder, 'message:edit', { messageId, body: 'x' }),
			request<Result>(intruder, 'reaction:toggle', { messageId, emoji: '👀' }),
			request<Result>(intruder, 'message:delete', { messageId })
		]);
		expect(answers).toEqual(
			Array(3).fill({
				ok: false,
				error: { code: 'not_found', message: 'Not found, or you do not have access.' }
			})
		);
	});
});
