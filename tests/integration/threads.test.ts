import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as chat from '$lib/server/chat';
import * as memberships from '$lib/server/memberships';
import * as notifications from '$lib/server/notifications';
import { DomainError } from '$lib/server/errors';
import { GET as repliesRoute } from '../../src/routes/api/v1/messages/[id]/replies/+server';
import { PUT as followRoute } from '../../src/routes/api/v1/messages/[id]/follow/+server';
import { GET as mentionablesRoute } from '../../src/routes/api/v1/channels/[id]/mentionables/+server';
import { groupCast, type Cast } from './group-cast';
import { actor, createUser, ownerDb, type TestUser } from './helpers';
import { callEndpoint } from './route-call';

// Threads and mentions, through the chat domain as the socket handlers and the JSON API call it,
// against the real schema: replies and their counts, who follows a thread, who is told of which
// reply, mentions without case or accents, and @channel.

let cast: Cast;
let ines: TestUser;
let general: string;

const send = (who: TestUser, body: string, extra: Record<string, unknown> = {}) =>
	chat.send(actor(who), { channelId: general, clientId: randomUUID(), body, ...extra });

const reply = (who: TestUser, rootId: string, body: string, extra: Record<string, unknown> = {}) =>
	send(who, body, { threadRootId: rootId, ...extra });

async function kindsFor(who: TestUser, subjectId: string): Promise<string[]> {
	const rows = await ownerDb()<{ kind: string }[]>`
		select kind from public.notifications where user_id = ${who.id} and subject_id = ${subjectId}
		order by kind`;
	return rows.map((row) => row.kind);
}

async function follows(rootId: string): Promise<Record<string, boolean>> {
	const rows = await ownerDb()<{ userId: string; following: boolean }[]>`
		select user_id as "userId", following from public.thread_follows where root_id = ${rootId}`;
	const byName = Object.fromEntries(
		Object.entries(cast)
			.filter(([, value]) => typeof value === 'object' && value && 'displayName' in value)
			.map(([name, value]) => [(value as TestUser).id, name])
	);
	byName[ines.id] = 'ines';
	return Object.fromEntries(rows.map((row) => [byName[row.userId] ?? row.userId, row.following]));
}

async function refusal(promise: Promise<unknown>) {
	try {
		await promise;
	} catch (error) {
		if (error instanceof DomainError) return { status: error.status, code: error.code };
		throw error;
	}
	throw new Error('expected a refusal');
}

beforeAll(async () => {
	cast = await groupCast();
	ines = await createUser({ name: 'Inès Moreau' });
	await ownerDb()`
		insert into public.organisation_members (organisation_id, user_id) values (${cast.org.id}, ${ines.id})`;
	await memberships.add(actor(cast.orgAdmin), cast.G.id, {
		userIds: [ines.id],
		role: 'leader'
	});
	const channels = await chat.listChannels(actor(cast.learnerG), cast.G.id);
	general = channels.find((channel) => channel.name === 'general')!.id;
});

describe('thread replies', () => {
	it('counts replies on the root, keeps thread-only replies out of the channel and shows "also sent" ones', async () => {
		const { message: root } = await send(cast.learnerG, 'Who has the lab notes?');
		const first = await reply(cast.learnerG1, root.id, 'I do');
		expect(first.message.threadRootId).toBe(root.id);
		expect(first.thread).toMatchObject({ rootId: root.id, replyCount: 1 });
		const second = await reply(cast.leaderG, root.id, 'Posted them in resources', {
			alsoInChannel: true
		});
		expect(second.thread?.replyCount).toBe(2);
		expect(second.thread?.lastReplyAt).toBe(second.message.createdAt);

		const { messages } = await chat.history(actor(cast.learnerG), { channelId: general });
		const shown = messages.map((message) => message.body);
		expect(shown).toContain('Who has the lab notes?');
		expect(shown).toContain('Posted them in resources');
		expect(shown).not.toContain('I do');
		const heldRoot = messages.find((message) => message.id === root.id)!;
		expect([heldRoot.replyCount, heldRoot.lastReplyAt]).toEqual([2, second.message.createdAt]);

		const thread = await chat.thread(actor(cast.learnerG1), {
			rootId: root.id
		});
		expect(thread.root.id).toBe(root.id);
		expect(thread.replies.map((message) => message.body)).toEqual([
			'I do',
			'Posted them in resources'
		]);
		expect(thread.following).toBe(true);
	});

	it('leaves thread-only replies out of the unread count and counts replies also sent to the channel', async () => {
		const before = (await chat.getChannel(actor(cast.learnerG1a), general)).unread;
		const { message: root } = await send(cast.leaderG, 'Quiz on Friday');
		await reply(cast.learnerG, root.id, 'Which chapters?');
		await reply(cast.learnerG, root.id, 'And which room?', { alsoInChannel: true });
		const after = (await chat.getChannel(actor(cast.learnerG1a), general)).unread;
		expect(after - before).toBe(2);
	});

	it('sends a reply exactly once for one client id, and edits, reacts to and deletes replies like messages', async () => {
		const { message: root } = await send(cast.learnerG, 'Retry test');
		const clientId = randomUUID();
		const input = { channelId: general, clientId, body: 'once', threadRootId: root.id };
		const a = await chat.send(actor(cast.learnerG1), input);
		const b = await chat.send(actor(cast.learnerG1), input);
		expect([a.created, b.created, b.message.id]).toEqual([true, false, a.message.id]);

		const edited = await chat.edit(actor(cast.learnerG1), {
			messageId: a.message.id,
			body: 'once, edited'
		});
		expect(edited.editedAt).not.toBeNull();
		const { reactions } = await chat.react(actor(cast.learnerG), {
			messageId: a.message.id,
			emoji: '👍'
		});
		expect(reactions[0].count).toBe(1);

		// The root comes back in catch-up after a reply changed its count.
		const channel = await chat.getChannel(actor(cast.learnerG), general);
		await reply(cast.leaderG, root.id, 'second');
		const caught = await chat.catchup(actor(cast.learnerG), {
			channelId: general,
			afterSeq: channel.lastSeq,
			afterChange: channel.lastChange
		});
		expect(caught.changed.find((message) => message.id === root.id)?.replyCount).toBe(2);
		expect(caught.messages.map((message) => message.body)).toEqual(['second']);

		await chat.remove(actor(cast.learnerG1), { messageId: a.message.id });
		const thread = await chat.thread(actor(cast.learnerG), { rootId: root.id });
		expect(thread.root.replyCount).toBe(1);
		expect(thread.replies.map((message) => message.deletedAt !== null)).toEqual([true, false]);
	});

	it('refuses a reply to a reply, to a deleted message and to a message of another channel', async () => {
		const { message: root } = await send(cast.learnerG, 'Nesting test');
		const { message: answer } = await reply(cast.learnerG, root.id, 'first');
		expect(await refusal(reply(cast.learnerG, answer.id, 'nested'))).toEqual({
			status: 409,
			code: 'thread_nested'
		});
		const { message: gone } = await send(cast.learnerG, 'to be deleted');
		await chat.remove(actor(cast.learnerG), { messageId: gone.id });
		expect(await refusal(reply(cast.learnerG, gone.id, 'late'))).toEqual({
			status: 409,
			code: 'thread_closed'
		});
		const hChannels = await chat.listChannels(actor(cast.learnerH), cast.H.id);
		const hGeneral = hChannels.find((channel) => channel.name === 'general')!.id;
		const { message: inH } = await chat.send(actor(cast.learnerH), {
			channelId: hGeneral,
			clientId: randomUUID(),
			body: 'In H'
		});
		expect(await refusal(reply(cast.leaderG, inH.id, 'cross-channel'))).toEqual({
			status: 404,
			code: 'not_found'
		});
		// Someone outside the group can neither read nor follow the thread.
		expect(await refusal(chat.thread(actor(cast.learnerH), { rootId: root.id }))).toEqual({
			status: 404,
			code: 'not_found'
		});
		expect(
			await refusal(chat.follow(actor(cast.learnerH), { rootId: root.id, following: true }))
		).toEqual({ status: 404, code: 'not_found' });
		expect(await refusal(reply(cast.learnerH, root.id, 'from outside'))).toEqual({
			status: 404,
			code: 'not_found'
		});
	});
});

describe('following and notifications', () => {
	it('follows the root’s author, every replier and everyone mentioned in a reply, and tells followers but the author', async () => {
		const { message: root } = await send(cast.learnerG, 'Study group tonight?');
		expect(await follows(root.id)).toEqual({});
		const first = await reply(cast.learnerG1, root.id, 'Yes, 7pm');
		expect(await follows(root.id)).toEqual({ learnerG: true, learnerG1: true });
		expect(await kindsFor(cast.learnerG, first.message.id)).toEqual(['thread_reply']);
		expect(await kindsFor(cast.learnerG1, first.message.id)).toEqual([]);

		// A mention in a reply: a mention notification (not a second one), and a follow.
		const second = await reply(cast.learnerG, root.id, 'Bring snacks @leaderG1');
		expect(second.mentioned).toEqual([cast.leaderG1.id]);
		expect(await kindsFor(cast.leaderG1, second.message.id)).toEqual(['mention']);
		expect(await kindsFor(cast.learnerG1, second.message.id)).toEqual(['thread_reply']);
		expect(await kindsFor(cast.learnerG, second.message.id)).toEqual([]);
		expect(await follows(root.id)).toEqual({ learnerG: true, learnerG1: true, leaderG1: true });

		const third = await reply(cast.learnerG1, root.id, 'Great');
		expect(await kindsFor(cast.leaderG1, third.message.id)).toEqual(['thread_reply']);
		const inbox = await notifications.list(actor(cast.leaderG1), { limit: '5' });
		expect(inbox.items[0]).toMatchObject({
			kind: 'thread_reply',
			link: `/groups/${cast.G.id}/channels/${general}?thread=${root.id}`
		});

		// A deleted reply takes its notifications back.
		await chat.remove(actor(cast.learnerG1), { messageId: third.message.id });
		expect(await kindsFor(cast.leaderG1, third.message.id)).toEqual([]);
	});

	it('stops telling someone who unfollowed until they reply again, and follows by hand', async () => {
		const { message: root } = await send(cast.leaderG, 'Field trip forms');
		await reply(cast.learnerG, root.id, 'Sent mine');
		expect(await chat.follow(actor(cast.leaderG), { rootId: root.id, following: false })).toEqual({
			rootId: root.id,
			following: false
		});
		const quiet = await reply(cast.learnerG1, root.id, 'Mine too');
		expect(await kindsFor(cast.leaderG, quiet.message.id)).toEqual([]);
		// Another reply does not make the root's author follow again.
		expect((await follows(root.id)).leaderG).toBe(false);

		await reply(cast.leaderG, root.id, 'Thanks both');
		expect((await follows(root.id)).leaderG).toBe(true);
		const loud = await reply(cast.learnerG, root.id, 'Welcome');
		expect(await kindsFor(cast.leaderG, loud.message.id)).toEqual(['thread_reply']);

		// Following by hand, from someone who has not written in the thread.
		await chat.follow(actor(cast.learnerG1a), { rootId: root.id, following: true });
		const seen = await reply(cast.learnerG, root.id, 'One more');
		expect(await kindsFor(cast.learnerG1a, seen.message.id)).toEqual(['thread_reply']);
		expect((await chat.thread(actor(cast.learnerG1a), { rootId: root.id })).following).toBe(true);
	});

	it('tells no follower who has left the group', async () => {
		const { message: root } = await send(cast.learnerG1a, 'Leaving soon');
		await reply(cast.learnerG, root.id, 'Bye');
		const [membership] = await ownerDb()<{ id: string }[]>`
			delete from public.group_members where user_id = ${cast.learnerG1a.id} and group_id = ${cast.G1a.id}
			returning user_id as id`;
		expect(membership).toBeTruthy();
		const after = await reply(cast.learnerG, root.id, 'Gone?');
		expect(await kindsFor(cast.learnerG1a, after.message.id)).toEqual([]);
		await memberships.add(actor(cast.orgAdmin), cast.G1a.id, { userIds: [cast.learnerG1a.id] });
	});
});

describe('mentions', () => {
	it('matches names without case or accents, as the picker does', async () => {
		for (const body of ['@ines moreau can you check?', 'Ask @INES MOREAU', 'cc @Inès Moreau.']) {
			const sent = await send(cast.learnerG, body);
			expect([body, sent.mentioned]).toEqual([body, [ines.id]]);
		}
		const not = await send(cast.learnerG, '@ines moreaux is someone else');
		expect(not.mentioned).toEqual([]);
	});

	it('lets a leader mention the whole group with @channel and treats a learner’s @channel as text', async () => {
		const everyone = await send(cast.leaderG, 'Heads up @channel: room change');
		expect(new Set(everyone.mentioned)).toEqual(
			new Set(
				[cast.learnerG, cast.learnerG1, cast.learnerG1a, cast.leaderG1, ines].map((p) => p.id)
			)
		);
		expect(await kindsFor(cast.learnerG1a, everyone.message.id)).toEqual(['mention']);
		const learner = await send(cast.learnerG, 'hey @channel look');
		expect(learner.mentioned).toEqual([]);
		const [{ count }] = await ownerDb()<{ count: number }[]>`
			select count(*)::int as count from public.notifications where subject_id = ${learner.message.id}`;
		expect(count).toBe(0);
	});

	it('lists the people of a channel for the picker, and nobody to someone outside its group', async () => {
		const forLearner = await chat.mentionables(actor(cast.learnerG), general);
		const names = forLearner.people.map((person) => person.displayName);
		expect(names).toEqual(expect.arrayContaining(['Inès Moreau', 'learnerG1', 'leaderG']));
		expect(names).not.toContain('learnerH');
		expect(forLearner.canMentionChannel).toBe(false);
		expect((await chat.mentionables(actor(cast.leaderG), general)).canMentionChannel).toBe(true);
		expect(await refusal(chat.mentionables(actor(cast.learnerH), general))).toEqual({
			status: 404,
			code: 'not_found'
		});
	});
});

describe('JSON API', () => {
	it('lists a thread, follows and unfollows it, and lists the mentionable people', async () => {
		const { message: root } = await send(cast.learnerG, 'API thread');
		await reply(cast.learnerG1, root.id, 'API reply one');
		const r2 = await reply(cast.learnerG1, root.id, 'API reply two');
		const user = cast.learnerG;
		const page = await callEndpoint(repliesRoute, {
			user,
			params: { id: root.id },
			query: 'limit=1',
			via: 'api'
		});
		expect(page.status).toBe(200);
		expect(page.body).toMatchObject({ hasMore: true, following: true });
		const rest = await callEndpoint(repliesRoute, {
			user,
			params: { id: root.id },
			query: `afterSeq=${(page.body as { replies: { seq: number }[] }).replies[0].seq}`,
			via: 'api'
		});
		expect((rest.body as { replies: { id: string }[] }).replies.map((m) => m.id)).toEqual([
			r2.message.id
		]);
		const bad = await callEndpoint(repliesRoute, {
			user,
			params: { id: root.id },
			query: 'limit=lots',
			via: 'api'
		});
		expect(bad.status).toBe(400);

		const off = await callEndpoint(followRoute, {
			method: 'PUT',
			user,
			params: { id: root.id },
			json: { following: false },
			via: 'api'
		});
		expect(off).toEqual({ status: 200, body: { rootId: root.id, following: false } });
		const unknownField = await callEndpoint(followRoute, {
			method: 'PUT',
			user,
			params: { id: root.id },
			json: { following: true, loud: true },
			via: 'api'
		});
		expect(unknownField.status).toBe(400);
		const outsider = await callEndpoint(followRoute, {
			method: 'PUT',
			user: cast.learnerH,
			params: { id: root.id },
			json: { following: true },
			via: 'api'
		});
		expect(outsider.status).toBe(404);

		const people = await callEndpoint(mentionablesRoute, {
			user,
			params: { id: general },
			via: 'api'
		});
		expect(people.status).toBe(200);
		expect((people.body as { people: { displayName: string }[] }).people.length).toBeGreaterThan(3);
	});
});
