/**
 * Direct messages: conversations of 2 to 8 people. A conversation is a channel of kind 'direct'
 * (14_direct_messages.sql), so sending, editing, reactions, reading and catch-up are the chat
 * module's own verbs; this module starts conversations, lists them and answers who may be messaged.
 * Who may message whom is the database's rule (private.may_message_between), asked here, never
 * restated.
 */
import type { Channel, Message, Person } from '$lib/realtime/types';
import * as chat from '$lib/server/chat';
import * as notifications from '$lib/server/notifications';
import { isPgError, PG, readAs, withUser, type Actor, type Via } from '$lib/server/db';
import { DomainError, invalid, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/direct-messages';

export type ConversationSummary = {
	id: string;
	/** The other people in it, by name. */
	people: Person[];
	lastMessage: {
		authorName: string;
		body: string;
		deleted: boolean;
		createdAt: string;
	} | null;
	lastSeq: number;
	unread: number;
	canPost: boolean;
	createdAt: string;
};

function requireUser(actor: Actor): NonNullable<Actor> {
	if (!actor) throw new DomainError(401, 'unauthenticated', 'Sign in first.');
	return actor;
}

/**
 * Opens the actor's conversation with these people, creating it the first time: the same people
 * again (in any order) get the same conversation.
 */
export async function start(
	actor: Actor,
	input: unknown,
	via: Via = 'app'
): Promise<{ id: string; created: boolean }> {
	const user = requireUser(actor);
	const { userIds } = parse(schemas.start, input);
	const others = [...new Set(userIds)].filter((id) => id !== user.id);
	if (others.length === 0) throw invalid('Choose at least one other person.');
	try {
		return await withUser(
			user,
			async (tx) => {
				const [{ id }] = await tx<{ id: string }[]>`
					select private.start_conversation(${others}::uuid[]) as id`;
				const [{ fresh }] = await tx<{ fresh: boolean }[]>`
					select created_at = now() as fresh from public.conversations where channel_id = ${id}`;
				return { id, created: fresh };
			},
			via
		);
	} catch (error) {
		if (isPgError(error, PG.insufficientPrivilege) && error.hint === 'not_allowed') {
			throw new DomainError(
				403,
				'forbidden',
				'You cannot message everyone you chose: you message people you share a group or course with, and learners message learners only where their organisation allows it.'
			);
		}
		if (
			error instanceof Error &&
			'hint' in error &&
			(error.hint === 'too_many' || error.hint === 'too_few')
		) {
			throw invalid(error.message, [{ path: 'userIds', message: error.message }]);
		}
		throw error;
	}
}

/** The actor's conversations, the most recent message first (new empty ones by when they began). */
export async function list(actor: Actor): Promise<ConversationSummary[]> {
	const user = requireUser(actor);
	return readAs(
		user,
		(tx) => tx<ConversationSummary[]>`
		select c.id,
		       coalesce((select json_agg(json_build_object('id', u.id, 'displayName', u.display_name) order by u.display_name)
		                 from public.conversation_members m join public.users u on u.id = m.user_id
		                 where m.channel_id = c.id and m.user_id <> ${user.id}), '[]'::json) as people,
		       (select json_build_object('authorName', lm.author_name, 'body', left(lm.body, 200),
		                                 'deleted', lm.deleted_at is not null, 'createdAt', lm.created_at)
		        from public.messages lm where lm.channel_id = c.id order by lm.seq desc limit 1) as "lastMessage",
		       c.last_seq::float8 as "lastSeq",
		       (select count(*)::int from public.messages um
		        where um.channel_id = c.id and um.seq > coalesce(r.last_read_seq, 0)
		          and um.author_id is distinct from ${user.id}::uuid and um.deleted_at is null) as unread,
		       private.can_post_in_row(c::public.channels) as "canPost",
		       c.created_at as "createdAt"
		from public.channels c
		join public.conversation_members cm on cm.channel_id = c.id and cm.user_id = ${user.id}
		left join public.channel_reads r on r.channel_id = c.id and r.user_id = ${user.id}
		where c.kind = 'direct'
		order by coalesce((select max(lm.created_at) from public.messages lm where lm.channel_id = c.id), c.created_at) desc
		limit 200`
	).then((rows) =>
		rows.map((row) => ({
			...row,
			createdAt: new Date(row.createdAt).toISOString(),
			lastMessage: row.lastMessage
				? { ...row.lastMessage, createdAt: new Date(row.lastMessage.createdAt).toISOString() }
				: null
		}))
	);
}

/** Unread direct messages across all the actor's conversations (the navigation's badge). */
export async function unreadCount(actor: Actor): Promise<number> {
	const user = requireUser(actor);
	const [row] = await readAs(
		user,
		(tx) => tx<{ unread: number }[]>`
		select count(*)::int as unread
		from public.channels c
		join public.conversation_members cm on cm.channel_id = c.id and cm.user_id = ${user.id}
		left join public.channel_reads r on r.channel_id = c.id and r.user_id = ${user.id}
		join public.messages m on m.channel_id = c.id and m.seq > coalesce(r.last_read_seq, 0)
		where c.kind = 'direct' and m.author_id is distinct from ${user.id}::uuid and m.deleted_at is null`
	);
	return row?.unread ?? 0;
}

/** One conversation of the actor: who is in it and its channel (for the chat state). */
export async function get(
	actor: Actor,
	id: string
): Promise<{ conversation: ConversationSummary; channel: Channel }> {
	const user = requireUser(actor);
	if (!isUuid(id)) throw notFound();
	const conversation = (await list(user)).find((row) => row.id === id);
	if (!conversation) throw notFound();
	const channel = await chat.getChannel(user, id);
	return { conversation, channel };
}

/** Of these people, the ones the actor may message now (the database's rule). */
export async function messageable(actor: Actor, userIds: string[]): Promise<Set<string>> {
	const user = requireUser(actor);
	const ids = userIds.filter(isUuid);
	if (ids.length === 0) return new Set();
	const [row] = await readAs(
		user,
		(tx) => tx<{ ids: string[] }[]>`
		select private.messageable_ids(${ids}::uuid[])::text[] as ids`
	);
	return new Set(row?.ids ?? []);
}

/**
 * People the actor may message whose name contains `q` (folded: "ines" finds Inès), at most 20,
 * for "New conversation". The database finds them and applies its rule; names only.
 */
export async function contacts(actor: Actor, query: unknown): Promise<Person[]> {
	const user = requireUser(actor);
	const { q } = parse(schemas.contactsQuery, query);
	return readAs(
		user,
		(tx) => tx<Person[]>`
		select id, display_name as "displayName" from private.messageable_people(${q})`
	);
}

/** A page of a conversation's history (the JSON API; the page itself reads over the socket). */
export async function history(
	actor: Actor,
	id: string,
	query: unknown
): Promise<{ messages: Message[]; hasMore: boolean }> {
	const user = requireUser(actor);
	const { before, limit } = parse(schemas.historyQuery, query);
	if (!isUuid(id)) throw notFound();
	await requireConversation(user, id);
	return chat.history(user, { channelId: id, beforeSeq: before ?? null, limit: limit ?? 50 });
}

/** Sends a message through the JSON API: the chat's own send, so the client id makes retries safe. */
export async function send(
	actor: Actor,
	id: string,
	input: unknown,
	via: Via = 'api'
): Promise<{ message: Message; created: boolean }> {
	const user = requireUser(actor);
	const data = parse(schemas.send, input);
	if (!isUuid(id)) throw notFound();
	await requireConversation(user, id);
	const { message, created } = await chat.send(
		user,
		{ channelId: id, clientId: data.clientId, body: data.body, attachmentId: data.attachmentId },
		via
	);
	return { message, created };
}

async function requireConversation(user: NonNullable<Actor>, id: string) {
	const [row] = await readAs(
		user,
		(tx) => tx<{ id: string }[]>`
		select channel_id as id from public.conversations where channel_id = ${id}`
	);
	if (!row) throw notFound();
}

/** The actor's unread direct-message notifications of one conversation, marked read (opening it reads them). */
export async function markNotificationsRead(actor: Actor, id: string): Promise<void> {
	const user = requireUser(actor);
	if (!isUuid(id)) return;
	const rows = await readAs(
		user,
		(tx) => tx<{ id: string }[]>`
		select id from public.notifications
		where user_id = ${user.id} and kind = 'direct_message' and read_at is null
		  and link = ${`/messages/${id}`}
		limit 200`
	);
	if (rows.length > 0) await notifications.markRead(user, { ids: rows.map((row) => row.id) });
}
