/**
 * Group commit for plain chat sends (issue 15): sends that arrive while a batch is being written
 * wait for it and are then written together, in one transaction, so the channel's row lock and
 * the commit's fsync are paid once per batch instead of once per message.
 *
 * Each message is inserted under its own author's claims (set_config before each insert, so RLS
 * and the triggers see that person), in arrival order per channel; the channel's trigger gives
 * each its seq as before. Acks come only after the commit. One batch is written at a time per
 * process, which keeps a person's messages in the order they were sent.
 *
 * A batch in which any insert fails (not allowed, a reused client id, a closed channel) is rolled
 * back whole, and each of its sends is then written alone by the ordinary path, which names its
 * own error: the others lose nothing but the batching. A lost connection fails the whole batch
 * with DatabaseUnavailable (as one send would be failed); clients retry with the same client id.
 */
import { claimsFor, isConnectionFailure, withUser, type Actor, type Via } from '$lib/server/db';
import { messageColumns, type MessageRow } from './rows';

export type PlainSend = { channelId: string; clientId: string; body: string };

type Pending = PlainSend & {
	user: NonNullable<Actor>;
	via: Via;
	settle: (outcome: MessageRow | 'alone') => void;
	fail: (error: unknown) => void;
};

/** At most this many messages in one transaction. */
const MAX_BATCH = 200;

const queue: Pending[] = [];
let writing = false;

/**
 * Writes a plain message (no attachment, no thread, no mention) in the next batch. Resolves to
 * the stored row, or 'alone' when the batch could not take it and it must be written by itself.
 */
export function writeInBatch(
	user: NonNullable<Actor>,
	send: PlainSend,
	via: Via
): Promise<MessageRow | 'alone'> {
	return new Promise((settle, fail) => {
		queue.push({ ...send, user, via, settle, fail });
		if (!writing) void drain();
	});
}

async function drain() {
	writing = true;
	try {
		while (queue.length > 0) {
			const batch = queue.splice(0, MAX_BATCH);
			try {
				const rows = await write(batch);
				batch.forEach((pending, i) => pending.settle(rows[i] ?? 'alone'));
			} catch (error) {
				if (isConnectionFailure(error)) for (const pending of batch) pending.fail(error);
				else for (const pending of batch) pending.settle('alone');
			}
		}
	} finally {
		writing = false;
	}
}

/**
 * One transaction for the batch. Channels are locked in the order of their ids (a stable sort
 * keeps each channel's messages in arrival order), so two processes' batches never wait for each
 * other in a circle.
 */
async function write(batch: Pending[]): Promise<(MessageRow | undefined)[]> {
	const order = batch
		.map((pending, i) => ({ pending, i }))
		.sort((a, b) =>
			a.pending.channelId < b.pending.channelId
				? -1
				: a.pending.channelId > b.pending.channelId
					? 1
					: a.i - b.i
		);
	return withUser(batch[0].user, async (tx) => {
		const inserts = order.map(({ pending }) => {
			// Sent one after another on the connection without waiting (pipelined): one round trip.
			tx`select set_config('request.jwt.claims', ${JSON.stringify(claimsFor(pending.user, pending.via))}, true)`
				.execute()
				.catch(() => {});
			return tx<MessageRow[]>`
				insert into public.messages as m (channel_id, author_id, client_id, body)
				values (${pending.channelId}, ${pending.user.id}, ${pending.clientId}, ${pending.body})
				returning ${messageColumns(tx)}`.execute();
		});
		const stored = await Promise.all(inserts);
		const rows: (MessageRow | undefined)[] = new Array(batch.length);
		order.forEach(({ i }, k) => (rows[i] = stored[k][0]));
		return rows;
	});
}
