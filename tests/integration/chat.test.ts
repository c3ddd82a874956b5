import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, Message, Person, Reaction, Result } from '$lib/realtime/events';
import * as chat from '$lib/server/chat';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import { DomainError } from '$lib/server/errors';
import { groupCast, type Cast } from './group-cast';
import { actor, createUser, ownerDb, type TestUser } from './helpers';
import {
	collect,
	connectAs,
	next,
	pause,
	request,
	startServer,
	type Client
} from './realtime-helpers';

let server: Awaited<ReturnType<typeof startServer>>;
let cast: Cast;
const clients: Client[] = [];

beforeAll(async () => {
	server = await startServer();
	cast = await groupCast();
});

afterEach(() => {
	for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
	await server.close();
});

const as = (user: TestUser) => connectAs(server.url, user, clients);

/** A fresh sub-group of G with its own channels, so counts in one test are not disturbed by others. */
async function freshRoom(members: TestUser[]) {
	const group = await groups.create(actor(cast.orgAdmin), {
		parentId: cast.G.id,
		name: `Room ${randomUUID().slice(0, 6)}`
	});
	// The room is one of the organisation's groups: its people only.
	await ownerDb()`
		insert into public.organisation_members (organisation_id, user_id)
		select ${cast.org.id}, unnest(${members.map((m) => m.id)}::uuid[])
		on conflict do nothing`;
	await memberships.add(actor(cast.orgAdmin), group.id, { userIds: members.map((m) => m.id) });
	const general = (await chat.listChannels(actor(cast.orgAdmin), group.id)).find(
		(c) => c.name === 'general'
	)!;
	return { group, general };
}

async function say(user: TestUser, channelId: string, body: string): Promise<Message> {
	const { message } = await chat.send(actor(user), { channelId, clientId: randomUUID(), body });
	return message;
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof DomainError) return { status: error.status, code: error.code };
		throw error;
	}
	throw new Error('It was allowed');
}

describe('editing and deleting', () => {
	it('lets authors edit their messages and tells the group', async () => {
		const { general } = await freshRoom([cast.learnerG]);
		const author = await as(cast.learnerG);
		const reader = await as(cast.leaderG);
		const original = await say(cast.learnerG, general.id, 'tpyo');
		const updated = next<Message>(reader, 'message:updated', (m) => m.id === original.id);
		const answer = await request<Result<{ message: Message }>>(author, 'message:edit', {
			messageId: original.id,
			body: 'typo fixed'
		});
		expect(answer.ok && answer.message.body).toBe('typo fixed');
		const pushed = await updated;
		expect(pushed).toMatchObject({ id: original.id, seq: original.seq, body: 'typo fixed' });
		expect(pushed.editedAt).not.toBeNull();
	});

	it('refuses edits by anyone but the author, even a moderator, and edits of deleted messages', async () => {
		const { general } = await freshRoom([cast.learnerG, cast.learnerG1]);
		const message = await say(cast.learnerG, general.id, 'mine');
		expect(
			await refusal(chat.edit(actor(cast.leaderG), { messageId: message.id, body: 'x' }))
		).toEqual({
			status: 403,
			code: 'forbidden'
		});
		expect(
			await refusal(chat.edit(actor(cast.learnerH), { messageId: message.id, body: 'x' }))
		).toEqual({ status: 404, code: 'not_found' });
		await chat.remove(actor(cast.learnerG), { messageId: message.id });
		expect(
			await refusal(chat.edit(actor(cast.learnerG), { messageId: message.id, body: 'back' }))
		).toEqual({ status: 409, code: 'message_deleted' });
		const [stored] = await ownerDb()`select body from public.messages where id = ${message.id}`;
		expect(stored.body).toBe('');
	});

	it('lets a leader delete any message in a group they lead, not in another group', async () => {
		const { general } = await freshRoom([cast.learnerG1, cast.learnerG1a]);
		const reader = await as(cast.learnerG1);
		const message = await say(cast.learnerG1, general.id, 'something rude');
		expect(await refusal(chat.remove(actor(cast.learnerG1a), { messageId: message.id }))).toEqual({
			status: 403,
			code: 'forbidden'
		});
		expect(await refusal(chat.remove(actor(cast.leaderH), { messageId: message.id }))).toEqual({
			status: 404,
			code: 'not_found'
		});
		const deleted = next<{ channelId: string; id: string; seq: number }>(reader, 'message:deleted');
		await chat.remove(actor(cast.leaderG), { messageId: message.id });
		expect(await deleted).toEqual({ channelId: general.id, id: message.id, seq: message.seq });
		const page = await chat.history(actor(cast.learnerG1), { channelId: general.id });
		expect(page.messages.map((m) => [m.seq, m.body, m.deletedAt !== null])).toEqual([
			[message.seq, '', true]
		]);
	});

	it('does not let leaders moderate a group whose leaders may not', async () => {
		const { group, general } = await freshRoom([cast.learnerG1]);
		await groups.update(actor(cast.orgAdmin), group.id, { leadersModerate: false });
		const message = await say(cast.learnerG1, general.id, 'hello');
		expect(await refusal(chat.remove(actor(cast.leaderG), { messageId: message.id }))).toEqual({
			status: 403,
			code: 'forbidden'
		});
		await chat.remove(actor(cast.orgAdmin), { messageId: message.id });
	});
});

describe('reactions', () => {
	it('toggles a reaction and pushes the counts with who reacted', async () => {
		const { general } = await freshRoom([cast.learnerG, cast.learnerG1]);
		const message = await say(cast.learnerG, general.id, 'react to me');
		const first = await as(cast.learnerG);
		const second = await as(cast.learnerG1);
		const pushes = collect<{ messageId: string; reactions: Reaction[] }>(first, 'reaction:updated');
		const a = await request<Result<{ reactions: Reaction[] }>>(second, 'reaction:toggle', {
			messageId: message.id,
			emoji: '👍'
		});
		expect(a.ok && a.reactions).toEqual([
			{ emoji: '👍', count: 1, mine: true, userIds: [cast.learnerG1.id] }
		]);
		const b = await request<Result<{ reactions: Reaction[] }>>(first, 'reaction:toggle', {
			messageId: message.id,
			emoji: '👍'
		});
		expect(b.ok && b.reactions).toEqual([
			{ emoji: '👍', count: 2, mine: true, userIds: [cast.learnerG1.id, cast.learnerG.id] }
		]);
		const c = await request<Result<{ reactions: Reaction[] }>>(second, 'reaction:toggle', {
			messageId: message.id,
			emoji: '👍'
		});
		expect(c.ok && c.reactions).toEqual([
			{ emoji: '👍', count: 1, mine: false, userIds: [cast.learnerG.id] }
		]);
		await pause(200);
		expect(pushes.map((p) => p.reactions.map((r) => r.count))).toEqual([[1], [2], [1]]);
		const page = await chat.history(actor(cast.learnerG), { channelId: general.id });
		expect(page.messages[0].reactions).toEqual([
			{ emoji: '👍', count: 1, mine: true, userIds: [cast.learnerG.id] }
		]);
	});

	it('refuses blank, spaced and overlong reactions and reactions to deleted messages', async () => {
		const { general } = await freshRoom([cast.learnerG]);
		const message = await say(cast.learnerG, general.id, 'x');
		for (const emoji of ['', '  ', 'a b', 'x'.repeat(17)]) {
			expect(
				await refusal(chat.react(actor(cast.learnerG), { messageId: message.id, emoji }))
			).toEqual({
				status: 400,
				code: 'invalid_input'
			});
		}
		await chat.remove(actor(cast.learnerG), { messageId: message.id });
		expect(
			await refusal(chat.react(actor(cast.learnerG), { messageId: message.id, emoji: '👍' }))
		).toEqual({ status: 409, code: 'message_deleted' });
	});
});

describe('catching up on changes', () => {
	it('numbers every edit, deletion and reaction change, and returns the messages changed since a number', async () => {
		const { general } = await freshRoom([cast.learnerG, cast.learnerH]);
		const a = await say(cast.learnerG, general.id, 'first');
		const b = await say(cast.learnerG, general.id, 'second');
		const c = await say(cast.learnerG, general.id, 'third');
		const reader = actor(cast.learnerH);
		const start = (await chat.getChannel(reader, general.id)).lastChange;
		expect(start).toBe(0);

		await chat.edit(actor(cast.learnerG), { messageId: a.id, body: 'first, edited' });
		await chat.react(reader, { messageId: b.id, emoji: '👍' });
		await chat.react(reader, { messageId: b.id, emoji: '👍' });
		await chat.remove(actor(cast.learnerG), { messageId: c.id });
		const d = await say(cast.learnerG, general.id, 'fourth');

		const caught = await chat.catchup(reader, {
			channelId: general.id,
			afterSeq: c.seq,
			afterChange: start
		});
		expect(caught.lastChange).toBe(4);
		expect(caught.resync).toBe(false);
		expect(caught.messages.map((m) => m.id)).toEqual([d.id]);
		expect(caught.changed.map((m) => [m.body, m.reactions.length, m.deletedAt !== null])).toEqual([
			['first, edited', 0, false],
			['second', 0, false],
			['', 0, true]
		]);
		// Up to date: nothing changed since; without afterChange, only new messages (older clients).
		const again = await chat.catchup(reader, {
			channelId: general.id,
			afterSeq: d.seq,
			afterChange: caught.lastChange
		});
		expect(again).toMatchObject({ messages: [], changed: [], lastChange: 4 });
		expect((await chat.catchup(reader, { channelId: general.id, afterSeq: 0 })).changed).toEqual(
			[]
		);
		// Changes after the seq the client holds come as new messages, not twice.
		const partial = await chat.catchup(reader, {
			channelId: general.id,
			afterSeq: a.seq,
			afterChange: start
		});
		expect(partial.changed.map((m) => m.id)).toEqual([a.id]);
		for (const bad of [-1, 1.5, 'x', Number.MAX_SAFE_INTEGER + 2]) {
			expect(
				await refusal(
					chat.catchup(reader, { channelId: general.id, afterSeq: 0, afterChange: bad })
				)
			).toMatchObject({ status: 400 });
		}
		// Someone who cannot read the channel learns nothing.
		expect(
			await refusal(
				chat.catchup(actor(cast.outsider), { channelId: general.id, afterSeq: 0, afterChange: 0 })
			)
		).toMatchObject({ status: 404 });
	});
});

describe('mentions, unread counts and read positions', () => {
	it('notifies a mentioned member and counts the mention as unread until they read it', async () => {
		const ann = await createUser({ name: 'Ann Lee' });
		const anna = await createUser({ name: 'Ann' });
		const { group, general } = await freshRoom([ann, anna, cast.learnerG1]);
		const annSocket = await as(ann);
		const annaSocket = await as(anna);
		const annaMentions = collect<unknown>(annaSocket, 'mention');
		const mention = next<{ channelId: string; messageId: string; from: Person }>(
			annSocket,
			'mention'
		);
		const message = await say(cast.learnerG1, general.id, 'Thanks @ann lee, see you Monday');
		expect(await mention).toEqual({
			channelId: general.id,
			messageId: message.id,
			from: { id: cast.learnerG1.id, displayName: cast.learnerG1.displayName }
		});
		await pause(200);
		// Where two names match at one place, the longer one is meant: "@ann lee" is not "@Ann".
		expect(annaMentions).toEqual([]);

		const before = (await chat.listChannels(actor(ann), group.id)).find(
			(c) => c.id === general.id
		)!;
		expect(before).toMatchObject({ unread: 1, mentions: 1, lastReadSeq: 0 });
		await chat.markRead(actor(ann), { channelId: general.id, seq: message.seq });
		const after = (await chat.listChannels(actor(ann), group.id)).find((c) => c.id === general.id)!;
		expect(after).toMatchObject({ unread: 0, mentions: 0, lastReadSeq: message.seq });
	});

	it('follows edits: mentions added by an edit are notified, removed ones and deleted messages’ go', async () => {
		const bea = await createUser({ name: 'Bea Stone' });
		const cal = await createUser({ name: 'Cal Reed' });
		const { group, general } = await freshRoom([bea, cal, cast.learnerG1]);
		const calSocket = await as(cal);
		const calMentions = collect<{ messageId: string }>(calSocket, 'mention');
		const author = actor(cast.learnerG1);
		const message = await say(cast.learnerG1, general.id, 'Hello @Bea Stone');
		const mentionsOf = async (person: TestUser) =>
			(await chat.listChannels(actor(person), group.id)).find((c) => c.id === general.id)!.mentions;
		expect([await mentionsOf(bea), await mentionsOf(cal)]).toEqual([1, 0]);

		const calNotified = next<{ messageId: string; channelId: string }>(calSocket, 'mention');
		await chat.edit(author, { messageId: message.id, body: 'Hello @Cal Reed' });
		expect(await calNotified).toMatchObject({ messageId: message.id, channelId: general.id });
		expect([await mentionsOf(bea), await mentionsOf(cal)]).toEqual([0, 1]);
		// Editing again without changing who is mentioned notifies nobody a second time.
		await chat.edit(author, { messageId: message.id, body: 'Hello again @Cal Reed' });
		await pause(200);
		expect(calMentions).toHaveLength(1);

		await chat.remove(author, { messageId: message.id });
		expect([await mentionsOf(bea), await mentionsOf(cal)]).toEqual([0, 0]);
	});

	it('does not mention people outside the group, or the author', async () => {
		const { general } = await freshRoom([cast.learnerG1]);
		await say(
			cast.learnerG1,
			general.id,
			`@${cast.learnerH.displayName} @${cast.learnerG1.displayName}`
		);
		const [{ n }] = await ownerDb()`
			select count(*)::int as n from public.mentions where channel_id = ${general.id}`;
		expect(n).toBe(0);
	});

	it('counts unread messages by others, skips deleted ones, and never moves the read position back', async () => {
		const { group, general } = await freshRoom([cast.learnerG, cast.learnerG1]);
		const mine = await say(cast.learnerG, general.id, 'mine');
		const theirs = [];
		for (let i = 0; i < 3; i++) theirs.push(await say(cast.learnerG1, general.id, `theirs ${i}`));
		await chat.remove(actor(cast.learnerG1), { messageId: theirs[1].id });
		const channel = async () =>
			(await chat.listChannels(actor(cast.learnerG), group.id)).find((c) => c.id === general.id)!;
		expect(await channel()).toMatchObject({ unread: 2, lastSeq: 4, lastReadSeq: 0 });
		await chat.markRead(actor(cast.learnerG), { channelId: general.id, seq: theirs[0].seq });
		expect(await channel()).toMatchObject({ unread: 1, lastReadSeq: 2 });
		await chat.markRead(actor(cast.learnerG), { channelId: general.id, seq: mine.seq });
		expect((await channel()).lastReadSeq).toBe(2);
		// A read position past the end is kept at the end.
		expect(
			await chat.markRead(actor(cast.learnerG), { channelId: general.id, seq: 10 ** 9 })
		).toEqual({
			lastReadSeq: 4
		});
		expect(await channel()).toMatchObject({ unread: 0, lastReadSeq: 4 });
	});
});

describe('search', () => {
	it('finds words and word beginnings in one channel, newest first, never deleted or other channels’ messages', async () => {
		const { general } = await freshRoom([cast.learnerG]);
		const other = await freshRoom([cast.learnerG]);
		const first = await say(cast.learnerG, general.id, 'The biology lab is on Tuesday');
		const second = await say(cast.learnerG, general.id, 'Biology notes are up');
		const gone = await say(cast.learnerG, general.id, 'biology secret');
		await chat.remove(actor(cast.learnerG), { messageId: gone.id });
		await say(cast.learnerG, other.general.id, 'biology elsewhere');
		await say(cast.learnerG, general.id, 'Nothing to see');
		const found = await chat.search(actor(cast.learnerG), { channelId: general.id, query: 'BIO' });
		expect(found.messages.map((m) => m.id)).toEqual([second.id, first.id]);
		const both = await chat.search(actor(cast.learnerG), {
			channelId: general.id,
			query: 'biology tues'
		});
		expect(both.messages.map((m) => m.id)).toEqual([first.id]);
		const odd = await chat.search(actor(cast.learnerG), {
			channelId: general.id,
			query: "lab') | (x:* & !"
		});
		expect(odd.messages.map((m) => m.id)).toEqual([]);
		expect(
			await refusal(chat.search(actor(cast.learnerG), { channelId: general.id, query: '!!!' }))
		).toEqual({ status: 400, code: 'invalid_input' });
		expect(
			await refusal(chat.search(actor(cast.learnerH), { channelId: general.id, query: 'biology' }))
		).toEqual({ status: 404, code: 'not_found' });
	});
});

describe('channels', () => {
	it('lets leaders add and archive chat channels, announced live, and refuses learners and bad names', async () => {
		const { group } = await freshRoom([cast.learnerG1]);
		const learner = await as(cast.learnerG1);
		const created = next<Channel>(learner, 'channel:created');
		const channel = await chat.createChannel(actor(cast.leaderG), group.id, 'Study Hall');
		expect(channel).toMatchObject({
			name: 'study-hall',
			kind: 'chat',
			archivedAt: null,
			canModerate: true
		});
		expect((await created).id).toBe(channel.id);
		expect(await refusal(chat.createChannel(actor(cast.leaderG), group.id, 'study-hall'))).toEqual({
			status: 409,
			code: 'conflict'
		});
		for (const name of ['', '-lead', 'a'.repeat(41), 'semi;colon', '<b>']) {
			expect(await refusal(chat.createChannel(actor(cast.leaderG), group.id, name))).toEqual({
				status: 400,
				code: 'invalid_input'
			});
		}
		expect(await refusal(chat.createChannel(actor(cast.learnerG1), group.id, 'mine'))).toEqual({
			status: 403,
			code: 'forbidden'
		});
		expect(await refusal(chat.createChannel(actor(cast.leaderH), group.id, 'theirs'))).toEqual({
			status: 404,
			code: 'not_found'
		});
		const updated = next<Channel>(learner, 'channel:updated');
		await chat.archiveChannel(actor(cast.leaderG), channel.id);
		expect((await updated).archivedAt).not.toBeNull();
		const listed = (await chat.listChannels(actor(cast.learnerG1), group.id)).find(
			(c) => c.id === channel.id
		)!;
		expect(listed).toMatchObject({ canPost: false, canModerate: false });
		const announcements = (await chat.listChannels(actor(cast.leaderG), group.id)).find(
			(c) => c.kind === 'announcements'
		)!;
		expect(await refusal(chat.archiveChannel(actor(cast.leaderG), announcements.id))).toEqual({
			status: 409,
			code: 'conflict'
		});
		expect(await refusal(chat.archiveChannel(actor(cast.learnerG1), channel.id, false))).toEqual({
			status: 403,
			code: 'forbidden'
		});
	});
});

describe('presence and typing', () => {
	it('tells a group who comes online and goes offline, and lists who is online on request', async () => {
		const { group } = await freshRoom([cast.learnerG1, cast.learnerG1a]);
		const watcher = await as(cast.learnerG1);
		const arrival = next<{ groupId: string; online: Person[] }>(
			watcher,
			'presence',
			(p) => p.groupId === group.id && p.online.some((o) => o.id === cast.learnerG1a.id)
		);
		const comer = await as(cast.learnerG1a);
		await arrival;
		const listed = await request<Result<{ online: Person[] }>>(watcher, 'presence:list', {
			groupId: group.id
		});
		expect(listed.ok && listed.online.map((p) => p.id).sort()).toEqual(
			[cast.learnerG1.id, cast.learnerG1a.id].sort()
		);
		const departure = next<{ groupId: string; online: Person[] }>(
			watcher,
			'presence',
			(p) => p.groupId === group.id && !p.online.some((o) => o.id === cast.learnerG1a.id)
		);
		comer.close();
		await departure;
	});

	it('shows typing to the rest of the group only, at most once every two seconds per channel', async () => {
		const { general } = await freshRoom([cast.learnerG1, cast.learnerG1a]);
		const typist = await as(cast.learnerG1);
		const reader = await as(cast.learnerG1a);
		const outsider = await as(cast.learnerH);
		const seen = collect<{ channelId: string; user: Person }>(reader, 'typing');
		const leaked = collect<unknown>(outsider, 'typing');
		const echoed = collect<unknown>(typist, 'typing');
		for (let i = 0; i < 5; i++) typist.emit('typing', { channelId: general.id });
		await pause(400);
		expect(seen).toEqual([
			{
				channelId: general.id,
				user: { id: cast.learnerG1.id, displayName: cast.learnerG1.displayName }
			}
		]);
		expect(leaked).toEqual([]);
		expect(echoed).toEqual([]);
	});
});

describe('attachments', () => {
	it('attaches a resource of the same group, shown to everyone live, and refuses another group’s', async () => {
		const { group, general } = await freshRoom([cast.learnerG, cast.learnerG1]);
		const addResource = async (groupId: string, title: string) => {
			const [row] = await ownerDb()<{ id: string }[]>`
				insert into public.resources (group_id, kind, title, url, added_by)
				values (${groupId}, 'link', ${title}, 'https://example.org/notes', ${cast.learnerG.id})
				returning id`;
			return row.id;
		};
		const ours = await addResource(group.id, 'Lab notes');
		const theirs = await addResource(cast.H.id, 'H only');
		const sender = await as(cast.learnerG);
		const reader = await as(cast.learnerG1);
		const arrival = next<Message>(reader, 'message:new');
		const sent = await request<Result<{ message: Message }>>(sender, 'message:send', {
			channelId: general.id,
			clientId: randomUUID(),
			body: 'see the notes',
			attachmentId: ours
		});
		const attachment = { id: ours, filename: 'Lab notes', contentType: 'text/uri-list', size: 0 };
		expect(sent.ok && sent.message.attachment).toEqual(attachment);
		expect((await arrival).attachment).toEqual(attachment);
		const refused = await request<Result>(sender, 'message:send', {
			channelId: general.id,
			clientId: randomUUID(),
			body: 'sneaky',
			attachmentId: theirs
		});
		expect(refused.ok ? 'ok' : refused.error.code).toBe('invalid_input');
		const [{ n, last }] = await ownerDb()`
			select count(*)::int as n, (select last_seq::int from public.channels where id = ${general.id}) as last
			from public.messages where channel_id = ${general.id}`;
		expect([n, last]).toEqual([1, 1]);
	});
});
