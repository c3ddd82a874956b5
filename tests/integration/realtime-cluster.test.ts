import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, Message, Person, Reaction, Result } from '$lib/realtime/events';
import * as chat from '$lib/server/chat';
import * as memberships from '$lib/server/memberships';
import { groupCast, type Cast } from './group-cast';
import { actor, createUser } from './helpers';
import { collect, connectAs, next, pause, request, type Client } from './realtime-helpers';
import { ServerProcess } from './realtime-process';

// Two app processes on one database: each has its own socket server and clients, and they share
// rooms through @socket.io/postgres-adapter (and new messages through the database's notifications).
const a = new ServerProcess();
const b = new ServerProcess();
let cast: Cast;
let general: Channel;
const clients: Client[] = [];

beforeAll(async () => {
	await Promise.all([a.start(), b.start()]);
	cast = await groupCast();
	general = (await chat.listChannels(actor(cast.orgAdmin), cast.G.id)).find(
		(c) => c.name === 'general'
	)!;
}, 120_000);

afterEach(() => {
	for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
	await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
});

describe('two app processes', () => {
	it('delivers a message sent through one server to a member connected to the other', async () => {
		const sender = await connectAs(a.url, cast.learnerG, clients);
		const receiver = await connectAs(b.url, cast.learnerG1a, clients);
		const outsider = await connectAs(b.url, cast.learnerH, clients);
		const leaked = collect<Message>(outsider, 'message:new');
		const arrival = next<Message>(receiver, 'message:new');
		const ack = await request<Result<{ message: Message }>>(sender, 'message:send', {
			channelId: general.id,
			clientId: randomUUID(),
			body: 'across processes'
		});
		expect(ack.ok).toBe(true);
		if (!ack.ok) return;
		expect(await arrival).toEqual(ack.message);
		await pause(200);
		expect(leaked).toEqual([]);
	});

	it('shares edits, reactions and typing through the adapter, both ways', async () => {
		const onA = await connectAs(a.url, cast.learnerG1, clients);
		const onB = await connectAs(b.url, cast.leaderG, clients);
		const sent = await request<Result<{ message: Message }>>(onB, 'message:send', {
			channelId: general.id,
			clientId: randomUUID(),
			body: 'first draft'
		});
		if (!sent.ok) throw new Error('send failed');
		const edited = next<Message>(onA, 'message:updated', (m) => m.id === sent.message.id);
		await request(onB, 'message:edit', { messageId: sent.message.id, body: 'final text' });
		expect((await edited).body).toBe('final text');
		const reacted = next<{ messageId: string; reactions: Reaction[] }>(onB, 'reaction:updated');
		await request(onA, 'reaction:toggle', { messageId: sent.message.id, emoji: '🎉' });
		expect((await reacted).reactions).toEqual([
			{ emoji: '🎉', count: 1, mine: false, userIds: [cast.learnerG1.id] }
		]);
		const typing = next<{ channelId: string; user: Person }>(onB, 'typing');
		onA.emit('typing', { channelId: general.id });
		expect(await typing).toEqual({
			channelId: general.id,
			user: { id: cast.learnerG1.id, displayName: cast.learnerG1.displayName }
		});
	});

	it('lists who is online in a group across both servers', async () => {
		await connectAs(a.url, cast.learnerG, clients);
		const onB = await connectAs(b.url, cast.learnerG1, clients);
		const answer = await request<Result<{ online: Person[] }>>(onB, 'presence:list', {
			groupId: cast.G.id
		});
		expect(answer.ok && answer.online.map((p) => p.id).sort()).toEqual(
			[cast.learnerG.id, cast.learnerG1.id].sort()
		);
	});

	it('takes a removed member out of the group’s room on whichever server they are connected to', async () => {
		const person = await createUser({ name: 'Removed Across', memberOf: cast.org.id });
		await memberships.add(actor(cast.orgAdmin), cast.G.id, { userIds: [person.id] });
		const onA = await connectAs(a.url, person, clients);
		const onB = await connectAs(b.url, person, clients);
		const revoked = [onA, onB].map((client) =>
			next<{ groupId: string }>(client, 'group:revoked', (p) => p.groupId === cast.G.id, 1000)
		);
		await memberships.remove(actor(cast.orgAdmin), cast.G.id, { userIds: [person.id] });
		await Promise.all(revoked);
	});
});
