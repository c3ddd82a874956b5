import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message, NotificationItem, Result } from '$lib/realtime/events';
import * as directMessages from '$lib/server/direct-messages';
import { actor, foundationCast } from './helpers';
import {
	collect,
	connectAs,
	next,
	pause,
	request,
	startServer,
	type Client
} from './realtime-helpers';

// Direct messages over the real Socket.IO server: a conversation's messages, edits, reactions,
// deletions and typing reach the sockets of its people once each, and nobody else's.

let server: Awaited<ReturnType<typeof startServer>>;
let cast: Awaited<ReturnType<typeof foundationCast>>;
const clients: Client[] = [];

type SendAck = Result<{ message: Message }>;

beforeAll(async () => {
	server = await startServer();
	cast = await foundationCast();
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

describe('a direct conversation, live', () => {
	it('delivers a message once to each person in it, and to nobody else', async () => {
		const { id } = await directMessages.start(actor(cast.learner), { userIds: [cast.fellow.id] });
		const sender = await as(cast.learner);
		const receiver = await as(cast.fellow);
		// The instructor shares the course with both, but is not in this conversation.
		const instructor = await as(cast.instructor);
		const outsider = await as(cast.otherLearner);
		const got = {
			sender: collect<Message>(sender, 'message:new'),
			receiver: collect<Message>(receiver, 'message:new'),
			instructor: collect<Message>(instructor, 'message:new'),
			outsider: collect<Message>(outsider, 'message:new')
		};
		const bell = next<{ notification: NotificationItem }>(receiver, 'notification:new');
		const clientId = randomUUID();
		const ack = await send(sender, id, 'Are you coming to the lab?', clientId);
		expect(ack.ok).toBe(true);
		if (!ack.ok) return;
		expect(ack.message).toMatchObject({ channelId: id, groupId: null });
		const retry = await send(sender, id, 'Are you coming to the lab?', clientId);
		expect(retry.ok && retry.message.id).toBe(ack.message.id);

		const { notification } = await bell;
		expect(notification).toMatchObject({ kind: 'direct_message', link: `/messages/${id}` });
		await pause(400);
		expect(got.receiver).toEqual([ack.message]);
		expect(got.sender).toEqual([ack.message]);
		expect(got.instructor).toEqual([]);
		expect(got.outsider).toEqual([]);
	});

	it('joins a socket connected before the conversation began to its room', async () => {
		const staff = await as(cast.assistant);
		const learner = await as(cast.learner);
		const { id } = await directMessages.start(actor(cast.assistant), {
			userIds: [cast.learner.id]
		});
		// The room is joined from the database's notification; typing answers not_found until then.
		let joined = false;
		for (let attempt = 0; attempt < 5 && !joined; attempt += 1) {
			const answer = await request<Result>(learner, 'typing', { channelId: id });
			joined = answer.ok;
			if (!joined) await pause(2100);
		}
		expect(joined).toBe(true);
		const arrival = next<Message>(learner, 'message:new', (m) => m.channelId === id);
		const ack = await send(staff, id, 'Your essay is due Friday');
		expect(ack.ok).toBe(true);
		expect((await arrival).body).toBe('Your essay is due Friday');
	});

	it('sends edits, reactions, deletions and typing to its people only', async () => {
		const { id } = await directMessages.start(actor(cast.instructor), {
			userIds: [cast.fellow.id]
		});
		const teacher = await as(cast.instructor);
		const fellow = await as(cast.fellow);
		const outsider = await as(cast.learner);
		const outsiderEvents = [
			collect(outsider, 'message:new'),
			collect(outsider, 'message:updated'),
			collect(outsider, 'reaction:updated'),
			collect(outsider, 'message:deleted'),
			collect(outsider, 'typing')
		];
		const ack = await send(teacher, id, 'Draft one');
		if (!ack.ok) throw new Error(ack.error.message);

		const typing = next<{ channelId: string }>(fellow, 'typing');
		await request(teacher, 'typing', { channelId: id });
		expect((await typing).channelId).toBe(id);

		const updated = next<Message>(fellow, 'message:updated');
		await request(teacher, 'message:edit', { messageId: ack.message.id, body: 'Draft two' });
		expect((await updated).body).toBe('Draft two');

		const reacted = next<{ reactions: { emoji: string }[] }>(teacher, 'reaction:updated');
		await request(fellow, 'reaction:toggle', { messageId: ack.message.id, emoji: '🎉' });
		expect((await reacted).reactions.map((r) => r.emoji)).toEqual(['🎉']);

		const deleted = next<{ id: string }>(fellow, 'message:deleted');
		await request(teacher, 'message:delete', { messageId: ack.message.id });
		expect((await deleted).id).toBe(ack.message.id);

		// Someone outside the conversation can neither type into it nor read it.
		const typed = await request<Result>(outsider, 'typing', { channelId: id });
		expect(typed.ok).toBe(false);
		const caught = await request<Result>(outsider, 'channel:catchup', {
			channelId: id,
			afterSeq: 0
		});
		expect(caught.ok ? 'ok' : caught.error.code).toBe('not_found');
		await pause(300);
		expect(outsiderEvents.map((events) => events.length)).toEqual([0, 0, 0, 0, 0]);
	});
});
