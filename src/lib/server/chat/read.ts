/** Reading a channel: history pages, catching up after a gap, read positions, search, and the relay's reads. */
import type { CatchUp, Message } from '$lib/realtime/types';
import { asService, readAs, withUser, type Actor } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/chat';
import { requireActor, requireChannel, toMessages, messageColumns, type MessageRow } from './rows';

const CATCHUP_PAGE = 200;
/** More changed messages than this since a client's cursor: it reloads its newest page instead. */
const CHANGES_PAGE = 500;
const SEARCH_LIMIT = 50;

/**
 * A page of history, newest first by page and ascending inside it: the messages before
 * `beforeSeq` (or the latest), and whether older ones remain.
 */
export async function history(
	actor: Actor,
	input: unknown
): Promise<{ messages: Message[]; hasMore: boolean }> {
	const user = requireActor(actor);
	const { channelId, beforeSeq, limit } = parse(schemas.history, input);
	return readAs(user, async (tx) => {
		await requireChannel(tx, channelId);
		const rows = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m
			where m.channel_id = ${channelId} ${beforeSeq === null ? tx`` : tx`and m.seq < ${beforeSeq}`}
			  and (m.thread_root_id is null or m.also_in_channel)
			order by m.seq desc limit ${limit + 1}`;
		const hasMore = rows.length > limit;
		const page = rows.slice(0, limit).reverse();
		return { messages: await toMessages(tx, page, user.id), hasMore };
	});
}

/**
 * What a client missed: the messages after `afterSeq`, ascending, a page at a time; and with
 * `afterChange`, the messages up to `afterSeq` edited, deleted or reacted to since that change
 * number, so every client converges on the same channel (docs/decisions.md).
 */
export async function catchup(actor: Actor, input: unknown): Promise<CatchUp> {
	const user = requireActor(actor);
	const { channelId, afterSeq, afterChange } = parse(schemas.catchup, input);
	return readAs(user, async (tx) => {
		// Read first: a change committed after this is numbered above it and comes next time.
		const [channel] = await tx<{ lastChange: number }[]>`
			select last_change::float8 as "lastChange" from public.channels where id = ${channelId}`;
		if (!channel) throw notFound();
		const rows = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m
			where m.channel_id = ${channelId} and m.seq > ${afterSeq}
			order by m.seq limit ${CATCHUP_PAGE + 1}`;
		const hasMore = rows.length > CATCHUP_PAGE;
		const changedRows =
			afterChange === undefined || afterChange >= channel.lastChange
				? []
				: await tx<MessageRow[]>`
						select ${messageColumns(tx)} from public.messages m
						where m.channel_id = ${channelId} and m.change_seq > ${afterChange} and m.seq <= ${afterSeq}
						order by m.seq limit ${CHANGES_PAGE + 1}`;
		const resync = changedRows.length > CHANGES_PAGE;
		return {
			messages: await toMessages(tx, rows.slice(0, CATCHUP_PAGE), user.id),
			hasMore,
			changed: resync ? [] : await toMessages(tx, changedRows, user.id),
			lastChange: channel.lastChange,
			resync
		};
	});
}

/** Moves the actor's read position forward (never back), up to the channel's last message. */
export async function markRead(actor: Actor, input: unknown): Promise<{ lastReadSeq: number }> {
	const user = requireActor(actor);
	const { channelId, seq } = parse(schemas.markRead, input);
	return withUser(user, async (tx) => {
		const [row] = await tx<{ lastReadSeq: number }[]>`
			insert into public.channel_reads as r (user_id, channel_id, last_read_seq)
			select ${user.id}, c.id, least(${seq}, c.last_seq) from public.channels c where c.id = ${channelId}
			on conflict (user_id, channel_id) do update
			set last_read_seq = greatest(r.last_read_seq, excluded.last_read_seq), updated_at = now()
			returning last_read_seq::float8 as "lastReadSeq"`;
		if (!row) throw notFound();
		return row;
	});
}

/** A new message as every receiver gets it (no reactions yet), read by the system for the relay. */
export async function messageForBroadcast(messageId: string): Promise<Message | null> {
	return asService(async (tx) => {
		const [row] = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m where m.id = ${messageId}`;
		if (!row) return null;
		const [message] = await toMessages(tx, [row], '');
		return message;
	});
}

/**
 * Messages of these groups (and direct conversations) stored since `since`, by channel and seq,
 * read by the system: what the relay broadcasts again after its LISTEN connection came back
 * (realtime/relay.ts).
 */
export async function recentForBroadcast(
	groupIds: string[],
	since: Date,
	limit = 5000,
	conversationIds: string[] = []
): Promise<Message[]> {
	if (groupIds.length === 0 && conversationIds.length === 0) return [];
	return asService(async (tx) => {
		const rows = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m
			where (m.group_id = any(${groupIds}::uuid[])
			       or (m.group_id is null and m.channel_id = any(${conversationIds}::uuid[])))
			  and m.created_at >= ${since}
			order by m.channel_id, m.seq limit ${limit}`;
		return toMessages(tx, rows, '');
	});
}

/** Words of a search as a prefix query: "bio lab" finds "biology labs". */
function prefixQuery(text: string): string {
	const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
	return words
		.slice(0, 10)
		.map((word) => `${word}:*`)
		.join(' & ');
}

/** Full-text search in one channel, newest first. */
export async function search(actor: Actor, input: unknown): Promise<{ messages: Message[] }> {
	const user = requireActor(actor);
	const { channelId, query } = parse(schemas.search, input);
	const tsquery = prefixQuery(query);
	if (!tsquery) {
		throw new DomainError(400, 'invalid_input', 'Search for words or numbers.', [
			{ path: 'query', message: 'Search for words or numbers.' }
		]);
	}
	return readAs(user, async (tx) => {
		await requireChannel(tx, channelId);
		const rows = await tx<MessageRow[]>`
			select ${messageColumns(tx)} from public.messages m
			where m.channel_id = ${channelId} and m.deleted_at is null
			  and m.search @@ to_tsquery('simple', ${tsquery})
			order by m.seq desc limit ${SEARCH_LIMIT}`;
		return { messages: await toMessages(tx, rows, user.id) };
	});
}
