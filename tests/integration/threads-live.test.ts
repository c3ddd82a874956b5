import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Result, ThreadSummary } from '$lib/realtime/events';
import * as chat from '$lib/server/chat';
import { groupCast, type Cast } from './group-cast';
import { actor } from './helpers';
import { connectAs, next, request, startServer, type Client } from './realtime-helpers';

// Threads over the real socket server: a reply reaches the group's sockets with its root, the
// root's count and last reply are pushed live, and the thread, follow and mention-picker events
// answer as the domain does (nothing for someone outside the group).

let server: Awaited<ReturnType<typeof startServer>>;
let cast: Cast;
let general: string;
const clients: Client[] = [];

beforeAll(async () => {
	server = await startServer();
	cast = await groupCast();
	general = (await chat.listChannels(actor(cast.orgAdmin), cast.G.id)).find(
		(channel) => channel.name === 'general'
	)!.id;
});

afterEach(() => {
	for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
	await server.close();
});

const as = (user: Parameters<typeof connectAs>[1]) => connectAs(server.url, user, clients);

type SendAck = Result<{ message: Message }>;

describe('threads over the socket', () => {
	it('pushes a reply and the root’s new count to the group, and answers thread, follow and picker events', async () => {
		const leader = await as(cast.leaderG);
		const learner = await as(cast.learnerG1);
		const outsider = await as(cast.learnerH);

		const root = await request<SendAck>(leader, 'message:send', {
			channelId: general,
			clientId: randomUUID(),
			body: 'Lab tomorrow?'
		});
		if (!root.ok) throw new Error(root.error.message);

		const summary = next<ThreadSummary>(leader, 'thread:updated');
		const live = next<Message>(leader, 'message:new', (m) => m.threadRootId === root.message.id);
		const reply = await request<SendAck>(learner, 'message:send', {
			channelId: general,
			clientId: randomUUID(),
			body: 'Yes, 9am @leaderG',
			threadRootId: root.message.id
		});
		expect(reply.ok).toBe(true);
		expect(await live).toMatchObject({ body: 'Yes, 9am @leaderG', alsoInChannel: false });
		expect(await summary).toMatchObject({
			channelId: general,
			rootId: root.message.id,
			replyCount: 1
		});

		const thread = await request<Result<{ replies: Message[]; following: boolean }>>(
			leader,
			'thread:open',
			{ rootId: root.message.id }
		);
		expect(thread.ok && [thread.replies.length, thread.following]).toEqual([1, true]);
		const unfollowed = await request<Result<{ following: boolean }>>(leader, 'thread:follow', {
			rootId: root.message.id,
			following: false
		});
		expect(unfollowed.ok && unfollowed.following).toBe(false);

		const people = await request<Result<{ people: { displayName: string }[] }>>(
			learner,
			'channel:mentionables',
			{ channelId: general }
		);
		expect(people.ok && people.people.map((p) => p.displayName)).toContain('leaderG');

		// Someone outside the group: no thread, no follow, no list of people.
		for (const [event, payload] of [
			['thread:open', { rootId: root.message.id }],
			['thread:follow', { rootId: root.message.id, following: true }],
			['channel:mentionables', { channelId: general }]
		] as const) {
			const answer = await request<Result>(outsider, event, payload);
			expect([event, answer.ok || answer.error.code]).toEqual([event, 'not_found']);
		}
		const bad = await request<Result>(learner, 'thread:follow', { rootId: 'nope', following: 1 });
		expect(bad.ok || bad.error.code).toBe('invalid_input');
	});
});
