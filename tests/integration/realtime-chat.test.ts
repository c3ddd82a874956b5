import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, Message, Result } from '$lib/realtime/events';
import * as chat from '$lib/server/chat';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import { groupCast, type Cast } from './group-cast';
import { actor, createUser, ownerDb } from './helpers';
import {
	arrived,
	collect,
	connectAs,
	next,
	open,
	pause,
	ready,
	request,
	signIn,
	startServer,
	type Client
} from './realtime-helpers';

let server: Awaited<ReturnType<typeof startServer>>;
let cast: Cast;
let general: { G: Channel; G1: Channel; H: Channel };
const clients: Client[] = [];

type SendAck = Result<{ message: Message }>;

beforeAll(async () => {
	server = await startServer();
	cast = await groupCast();
	const byName = async (groupId: string) =>
		(await chat.listChannels(actor(cast.orgAdmin), groupId)).find((c) => c.name === 'general')!;
	general = {
		G: await byName(cast.G.id),
		G1: await byName(cast.G1.id),
		H: await byName(cast.H.id)
	};
});

afterEach(() => {
	for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
	await server.close();
});

const as = (user: Parameters<typeof connectAs>[1]) => connectAs(server.url, user, clients);

function send(client: Client, channelId: string, body: string, clientId: string = randomUUID()) {
	return request<SendAck>(client, 'message:send', { channelId, clientId, body });
}

async function storedCount(channelId: string) {
	const [row] = await ownerDb()<{ count: number; last: number }[]>`
		select count(*)::int as count, (select last_seq::int from public.channels where id = ${channelId}) as last
		from public.messages where channel_id = ${channelId}`;
	return row;
}

describe('channels', () => {
	it('gives every group general and announcements, and sub-group members see their ancestors’ channels', async () => {
		const channels = await chat.listChannels(actor(cast.learnerG1a), cast.G.id);
		expect(channels.map((c) => [c.name, c.kind])).toEqual([
			['announcements', 'announcements'],
			['general', 'chat']
		]);
		expect(channels.find((c) => c.kind === 'chat')!.canPost).toBe(true);
		expect(channels.find((c) => c.kind === 'announcements')!.canPost).toBe(false);
		await expect(chat.listChannels(actor(cast.learnerH), cast.G.id)).resolves.toEqual([]);
	});
});

describe('sending', () => {
	it('acks with the stored message and broadcasts it to the group, including sub-group members and ancestor leaders', async () => {
		const sender = await as(cast.learnerG1);
		const subMember = await as(cast.learnerG1a);
		const leaderAbove = await as(cast.leaderG);
		const outsider = await as(cast.learnerH);
		const outsiderSeen = collect<Message>(outsider, 'message:new');
		const arrivals = [
			next<Message>(subMember, 'message:new'),
			next<Message>(leaderAbove, 'message:new')
		];
		const ack = await send(sender, general.G1.id, 'Hello **group** 1');
		expect(ack.ok).toBe(true);
		if (!ack.ok) return;
		expect(ack.message).toMatchObject({
			channelId: general.G1.id,
			groupId: cast.G1.id,
			body: 'Hello **group** 1',
			author: { id: cast.learnerG1.id, displayName: cast.learnerG1.displayName },
			attachment: null,
			reactions: [],
			editedAt: null,
			deletedAt: null
		});
		for (const arrival of await Promise.all(arrivals)) expect(arrival).toEqual(ack.message);
		await pause(200);
		expect(outsiderSeen).toEqual([]);
	});

	it('returns the same message for a retried client id and stores it once', async () => {
		const sender = await as(cast.learnerG);
		const clientId = randomUUID();
		const before = await storedCount(general.G.id);
		const first = await send(sender, general.G.id, 'Once only', clientId);
		const [second, third] = await Promise.all([
			send(sender, general.G.id, 'Once only', clientId),
			send(sender, general.G.id, 'Once only (edited retry)', clientId)
		]);
		expect(first.ok && second.ok && third.ok).toBe(true);
		if (!first.ok || !second.ok || !third.ok) return;
		expect(second.message).toEqual(first.message);
		expect(third.message).toEqual(first.message);
		const after = await storedCount(general.G.id);
		expect(after.count).toBe(before.count + 1);
		expect(after.last).toBe(before.last + 1);
	});

	it('refuses empty, blank and oversized messages with a clear reason and stores nothing', async () => {
		const sender = await as(cast.learnerG);
		const before = await storedCount(general.G.id);
		const answers = await Promise.all([
			send(sender, general.G.id, ''),
			send(sender, general.G.id, ' \n\t '),
			send(sender, general.G.id, 'x'.repeat(4001)),
			request<Result>(sender, 'message:send', { channelId: general.G.id, body: 'no client id' }),
			request<Result>(sender, 'message:send', {
				channelId: 'not-a-uuid',
				clientId: randomUUID(),
				body: 'hi'
			})
		]);
		expect(answers.map((a) => (a.ok ? 'ok' : a.error.code))).toEqual(
			Array(5).fill('invalid_input')
		);
		const messages = answers.map((a) => (a.ok ? '' : a.error.message));
		expect(messages[0]).toMatch(/empty/);
		expect(messages[2]).toMatch(/4,000/);
		expect(await storedCount(general.G.id)).toEqual(before);
		// 4,000 characters, emoji counted as one each, is allowed.
		const longest = await send(sender, general.G.id, '😀'.repeat(4000));
		expect(longest.ok).toBe(true);
	});

	it('gives a learner naming another group’s channel nothing, in any event, and stores nothing', async () => {
		const intruder = await as(cast.learnerH);
		const owner = await as(cast.learnerG);
		const sent = await send(owner, general.G.id, 'private to G');
		if (!sent.ok) throw new Error('setup failed');
		const messageId = sent.message.id;
		const before = await storedCount(general.G.id);
		const [reactionsBefore] =
			await ownerDb()`select count(*)::int as n from public.message_reactions`;
		const answers = await Promise.all([
			send(intruder, general.G.id, 'let me in'),
			request<Result>(intruder, 'message:edit', { messageId, body: 'defaced' }),
			request<Result>(intruder, 'message:delete', { messageId }),
			request<Result>(intruder, 'reaction:toggle', { messageId, emoji: '👎' }),
			request<Result>(intruder, 'channel:catchup', { channelId: general.G.id, afterSeq: 0 }),
			request<Result>(intruder, 'channel:history', { channelId: general.G.id }),
			request<Result>(intruder, 'channel:search', { channelId: general.G.id, query: 'private' }),
			request<Result>(intruder, 'channel:read', { channelId: general.G.id, seq: 1 }),
			request<Result>(intruder, 'presence:list', { groupId: cast.G.id }),
			request<Result>(intruder, 'typing', { channelId: general.G.id })
		]);
		expect(answers.map((a) => (a.ok ? 'ok' : a.error.code))).toEqual(Array(10).fill('not_found'));
		expect(await storedCount(general.G.id)).toEqual(before);
		const [stored] =
			await ownerDb()`select body, deleted_at from public.messages where id = ${messageId}`;
		expect(stored).toEqual({ body: 'private to G', deleted_at: null });
		const [reactionsAfter] =
			await ownerDb()`select count(*)::int as n from public.message_reactions`;
		expect(reactionsAfter).toEqual(reactionsBefore);
		const [reads] = await ownerDb()`
			select count(*)::int as n from public.channel_reads where user_id = ${cast.learnerH.id}`;
		expect(reads.n).toBe(0);
	});

	it('refuses messages when messaging is off or the channel is archived, and accepts them again after', async () => {
		const group = await groups.create(actor(cast.orgAdmin), {
			parentId: cast.H.id,
			name: 'Quiet room'
		});
		await memberships.add(actor(cast.orgAdmin), group.id, { userIds: [cast.learnerH.id] });
		const [channel] = (await chat.listChannels(actor(cast.learnerH), group.id)).filter(
			(c) => c.name === 'general'
		);
		const learner = await as(cast.learnerH);
		await groups.setMessaging(actor(cast.orgAdmin), [group.id], false);
		const off = await send(learner, channel.id, 'anyone?');
		expect(off).toEqual({
			ok: false,
			error: { code: 'channel_closed', message: 'Messaging is turned off in this group.' }
		});
		await groups.setMessaging(actor(cast.orgAdmin), [group.id], true);
		expect((await send(learner, channel.id, 'back on')).ok).toBe(true);
		await chat.archiveChannel(actor(cast.leaderH), channel.id);
		const archived = await send(learner, channel.id, 'still there?');
		expect(archived.ok ? '' : archived.error.code).toBe('channel_closed');
		expect((await storedCount(channel.id)).count).toBe(1);
	});
});

describe('ordering and catch-up', () => {
	it('gives every message of concurrent senders its own seq, with no gaps, in the same order for everyone', async () => {
		const senders = await Promise.all([
			as(cast.learnerG),
			as(cast.learnerG1),
			as(cast.learnerG1a),
			as(cast.leaderG)
		]);
		const watchers = await Promise.all([as(cast.leaderG1), as(cast.orgAdmin)]);
		const logs = watchers.map((watcher) => collect<Message>(watcher, 'message:new'));
		const start = (await storedCount(general.G.id)).last;
		const perSender = 12;
		const acks = await Promise.all(
			senders.flatMap((sender, s) =>
				Array.from({ length: perSender }, (_, i) => send(sender, general.G.id, `s${s} m${i}`))
			)
		);
		expect(acks.every((ack) => ack.ok)).toBe(true);
		const seqs = acks.map((ack) => (ack.ok ? ack.message.seq : -1)).sort((a, b) => a - b);
		const total = senders.length * perSender;
		expect(seqs).toEqual(Array.from({ length: total }, (_, i) => start + 1 + i));
		await pause(300);
		const orders = logs.map((log) =>
			log.filter((m) => m.channelId === general.G.id).map((m) => m.seq)
		);
		for (const order of orders) expect(order).toEqual(seqs);
		// Each sender's own messages keep the order they were sent in.
		for (let s = 0; s < senders.length; s++) {
			const mine = logs[0].filter((m) => m.body.startsWith(`s${s} `)).map((m) => m.body);
			expect(mine).toEqual(Array.from({ length: perSender }, (_, i) => `s${s} m${i}`));
		}
	});

	it('catches a reconnecting client up on what it missed, in seq order', async () => {
		const talker = await as(cast.learnerG);
		const { token } = await signIn(cast.learnerG1);
		const listener = open(server.url, { token });
		clients.push(listener);
		await ready(listener);
		const heard = collect<Message>(listener, 'message:new');
		const first = await send(talker, general.G.id, 'before the drop');
		if (!first.ok) throw new Error('send failed');
		await arrived(heard, (m) => m.id === first.message.id);
		const lastSeq = first.message.seq;
		listener.disconnect();
		const missed: number[] = [];
		for (let i = 0; i < 5; i++) {
			const ack = await send(talker, general.G.id, `while away ${i}`);
			if (ack.ok) missed.push(ack.message.seq);
		}
		listener.connect();
		await ready(listener);
		const caught = await request<Result<{ messages: Message[]; hasMore: boolean }>>(
			listener,
			'channel:catchup',
			{ channelId: general.G.id, afterSeq: lastSeq }
		);
		expect(caught.ok).toBe(true);
		if (!caught.ok) return;
		expect(caught.hasMore).toBe(false);
		expect(caught.messages.map((m) => m.seq)).toEqual(missed);
		expect(caught.messages.map((m) => m.body)).toEqual(
			Array.from({ length: 5 }, (_, i) => `while away ${i}`)
		);
	});

	it('pages history backwards by seq, newest page first, ascending within a page', async () => {
		const group = await groups.create(actor(cast.orgAdmin), {
			parentId: cast.G.id,
			name: 'History'
		});
		await memberships.add(actor(cast.orgAdmin), group.id, { userIds: [cast.learnerG.id] });
		const channel = (await chat.listChannels(actor(cast.learnerG), group.id)).find(
			(c) => c.name === 'general'
		)!;
		const talker = await as(cast.learnerG);
		for (let i = 1; i <= 7; i++) {
			// Earlier tests spent this person's send allowance: wait as a client would, same id.
			const clientId = randomUUID();
			let sent = await send(talker, channel.id, `line ${i}`, clientId);
			while (!sent.ok && sent.error.retryAfterMs) {
				await new Promise((resolve) => setTimeout(resolve, sent.ok ? 0 : sent.error.retryAfterMs));
				sent = await send(talker, channel.id, `line ${i}`, clientId);
			}
			expect(sent.ok).toBe(true);
		}
		type Page = Result<{ messages: Message[]; hasMore: boolean }>;
		const latest = await request<Page>(talker, 'channel:history', {
			channelId: channel.id,
			limit: 3
		});
		expect(latest.ok && latest.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
		expect(latest.ok && latest.hasMore).toBe(true);
		const older = await request<Page>(talker, 'channel:history', {
			channelId: channel.id,
			beforeSeq: 5,
			limit: 3
		});
		expect(older.ok && older.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
		const oldest = await request<Page>(talker, 'channel:history', {
			channelId: channel.id,
			beforeSeq: 2,
			limit: 3
		});
		expect(oldest.ok && oldest.messages.map((m) => m.body)).toEqual(['line 1']);
		expect(oldest.ok && oldest.hasMore).toBe(false);
	});
});

describe('revocation', () => {
	it('stops a removed member receiving the group’s messages within a second', async () => {
		const person = await createUser({ name: 'Leaving Soon', memberOf: cast.org.id });
		await memberships.add(actor(cast.orgAdmin), cast.G1.id, { userIds: [person.id] });
		const leaving = await as(person);
		const staying = await as(cast.learnerG1);
		const talker = await as(cast.leaderG);
		const revoked = next<{ groupId: string }>(
			leaving,
			'group:revoked',
			(p) => p.groupId === cast.G.id,
			1000
		);
		const started = Date.now();
		await memberships.remove(actor(cast.orgAdmin), cast.G1.id, { userIds: [person.id] });
		await revoked;
		expect(Date.now() - started).toBeLessThan(1000);
		const after = collect<Message>(leaving, 'message:new');
		const heard = collect<Message>(staying, 'message:new');
		const sent = await send(talker, general.G.id, 'after the removal');
		if (!sent.ok) throw new Error('send failed');
		await arrived(heard, (m) => m.id === sent.message.id);
		await pause(200);
		expect(after).toEqual([]);
		const denied = await request<Result>(leaving, 'channel:catchup', {
			channelId: general.G.id,
			afterSeq: 0
		});
		expect(denied.ok ? 'ok' : denied.error.code).toBe('not_found');
	});

	it('stops a member whose membership ends by the clock within a second of its end', async () => {
		const person = await createUser({ name: 'Expiring', memberOf: cast.org.id });
		await memberships.add(actor(cast.orgAdmin), cast.H.id, { userIds: [person.id] });
		await ownerDb()`
			update public.group_members set valid_until = now() + interval '1500 milliseconds'
			where group_id = ${cast.H.id} and user_id = ${person.id}`;
		const expiring = await as(person);
		const [{ until }] = await ownerDb()<{ until: Date }[]>`
			select valid_until as until from public.group_members where group_id = ${cast.H.id} and user_id = ${person.id}`;
		await next<{ groupId: string }>(
			expiring,
			'group:revoked',
			(p) => p.groupId === cast.H.id,
			4000
		);
		expect(Date.now() - until.getTime()).toBeLessThan(1000);
	});

	it('revokes everyone removed by one bulk statement, past the first 150 people', async () => {
		const people = await Promise.all(
			Array.from({ length: 200 }, (_, i) =>
				createUser({ name: `Bulk ${i}`, memberOf: cast.org.id })
			)
		);
		await memberships.add(actor(cast.orgAdmin), cast.H.id, { userIds: people.map((p) => p.id) });
		const watched = [people[3], people[170], people[199]];
		const sockets = await Promise.all(watched.map((person) => as(person)));
		const revoked = sockets.map((socket) =>
			next<{ groupId: string }>(socket, 'group:revoked', (p) => p.groupId === cast.H.id, 1000)
		);
		await memberships.remove(actor(cast.orgAdmin), cast.H.id, { userIds: people.map((p) => p.id) });
		await Promise.all(revoked);
	});

	it('joins a newly added member to the group’s room at once', async () => {
		const person = await createUser({ name: 'Joining', memberOf: cast.org.id });
		const joining = await as(person);
		const talker = await as(cast.learnerH);
		// Once in the room, they are told who is online there.
		const joined = next<{ groupId: string; online: { id: string }[] }>(
			joining,
			'presence',
			(p) => p.groupId === cast.H.id && p.online.some((o) => o.id === person.id),
			5000
		);
		await memberships.add(actor(cast.orgAdmin), cast.H.id, { userIds: [person.id] });
		await joined;
		const heard = collect<Message>(joining, 'message:new');
		const sent = await send(talker, general.H.id, 'welcome!');
		if (!sent.ok) throw new Error('send failed');
		const got = await arrived(heard, (m) => m.id === sent.message.id);
		expect(got.body).toBe('welcome!');
	});
});

describe('rate limit', () => {
	it('answers a flood of sends with rate_limited and a wait, and stores only what it accepted', async () => {
		const person = await createUser({ name: 'Chatty', memberOf: cast.org.id });
		await memberships.add(actor(cast.orgAdmin), cast.H.id, { userIds: [person.id] });
		const chatty = await as(person);
		const before = await storedCount(general.H.id);
		const answers = await Promise.all(
			Array.from({ length: 40 }, (_, i) => send(chatty, general.H.id, `spam ${i}`))
		);
		const accepted = answers.filter((a) => a.ok).length;
		const limited = answers.filter((a) => !a.ok && a.error.code === 'rate_limited');
		expect(accepted).toBeGreaterThanOrEqual(chat.sendLimiter.burst);
		expect(accepted).toBeLessThan(40);
		expect(limited.length).toBe(40 - accepted);
		const error = limited[0].ok ? null : limited[0].error;
		expect(error?.message).toMatch(/too fast/);
		expect(error?.retryAfterMs).toBeGreaterThan(0);
		expect((await storedCount(general.H.id)).count).toBe(before.count + accepted);
		// Another person is not slowed down by it.
		const other = await as(cast.learnerH);
		expect((await send(other, general.H.id, 'my turn')).ok).toBe(true);
	});
});
