/** Threads: a thread's replies, following and unfollowing, and the people a channel can mention. */
import type { Mentionable, Message, ThreadSummary } from '$lib/realtime/types';
import { readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/chat';
import { requireActor, toMessages, messageColumns, type MessageRow } from './rows';

export type Thread = {
	root: Message;
	replies: Message[];
	/** More replies follow the last one returned (ask again with its seq as afterSeq). */
	hasMore: boolean;
	/** Whether the caller follows the thread (gets its replies in their notifications). */
	following: boolean;
};

/** A thread the actor may read: its root and its replies after `afterSeq`, ascending. */
export async function thread(actor: Actor, input: unknown): Promise<Thread> {
	const user = requireActor(actor);
	const { rootId, afterSeq, limit } = parse(schemas.thread, input);
	return readAs(user, async (tx) => {
		const [root] = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m where m.id = ${rootId}`;
		if (!root) throw notFound();
		if (root.threadRootId) {
			throw new DomainError(
				409,
				'not_a_thread',
				'This message is a reply: open the thread of the message it answers.'
			);
		}
		const rows = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m
			where m.thread_root_id = ${rootId} and m.seq > ${afterSeq}
			order by m.seq limit ${limit + 1}`;
		const [follow] = await tx<{ following: boolean }[]>`
			select following from public.thread_follows where root_id = ${rootId} and user_id = ${user.id}`;
		const [rootMessage, ...replies] = await toMessages(
			tx,
			[root, ...rows.slice(0, limit)],
			user.id
		);
		return {
			root: rootMessage,
			replies,
			hasMore: rows.length > limit,
			following: follow?.following ?? false
		};
	});
}

/** Follows or unfollows a thread the actor may read; an unfollow lasts until they reply or are mentioned there. */
export async function follow(
	actor: Actor,
	input: unknown,
	via: Via = 'app'
): Promise<{ rootId: string; following: boolean }> {
	const user = requireActor(actor);
	const { rootId, following } = parse(schemas.follow, input);
	return withUser(
		user,
		async (tx) => {
			const [root] = await tx<{ threadRootId: string | null }[]>`
				select thread_root_id as "threadRootId" from public.messages where id = ${rootId}`;
			if (!root) throw notFound();
			if (root.threadRootId) {
				throw new DomainError(
					409,
					'not_a_thread',
					'This message is a reply: follow the thread of the message it answers.'
				);
			}
			const [row] = await tx<{ following: boolean }[]>`
				insert into public.thread_follows as f (root_id, user_id, following)
				values (${rootId}, ${user.id}, ${following})
				on conflict (root_id, user_id) do update set following = excluded.following, updated_at = now()
				returning following`;
			return { rootId, following: row.following };
		},
		via
	);
}

/** A thread's reply count and last reply now, read in the transaction that changed it. */
export async function summaryOf(tx: Tx, rootId: string, channelId: string): Promise<ThreadSummary> {
	const [row] = await tx<{ replyCount: number; lastReplyAt: Date | null }[]>`
		select count(*)::int as "replyCount", max(created_at) as "lastReplyAt"
		from public.messages where thread_root_id = ${rootId} and deleted_at is null`;
	return {
		channelId,
		rootId,
		replyCount: row?.replyCount ?? 0,
		lastReplyAt: row?.lastReplyAt?.toISOString() ?? null
	};
}

export type Mentionables = {
	people: Mentionable[];
	/** Whether the actor may use @channel here (leaders, staff and admins of the group). */
	canMentionChannel: boolean;
};

/**
 * The people the actor may mention in a channel (its group's chat), for the composer's picker:
 * the database's own list (private.mentionable_people), empty for a channel they do not chat in.
 */
export async function mentionables(actor: Actor, channelId: string): Promise<Mentionables> {
	const user = requireActor(actor);
	if (!isUuid(channelId)) throw notFound();
	return readAs(user, async (tx) => {
		const [channel] = await tx<{ groupId: string }[]>`
			select group_id as "groupId" from public.channels where id = ${channelId}`;
		if (!channel) throw notFound();
		const people = await tx<Mentionable[]>`
			select id, display_name as "displayName" from private.mentionable_people(${channelId})`;
		const [{ may }] = await tx<{ may: boolean }[]>`
			select private.may_mention_channel(${channel.groupId}) as may`;
		return { people, canMentionChannel: may };
	});
}
