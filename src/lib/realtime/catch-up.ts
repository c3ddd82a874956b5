import { errorText, type Connection } from './connection.svelte';
import type { Message } from './events';
import type { ChannelView } from './channel-view.svelte';
import { lastSeqOf } from './timeline';

/** Messages per history page (the newest page on open, and each older page). */
export const HISTORY_PAGE = 50;
/** Catch-up pages read after a reconnect before starting again from the newest page. */
const CATCHUP_PAGES = 20;

/**
 * Reading a channel from the server into its view. Each returns the error to show, or null; a
 * dropped connection during catch-up is not an error (the next connect catches up).
 */

/** Loads the channel's newest page (on first open, and when too far behind to page forward). */
export async function loadNewest(connection: Connection, channel: ChannelView) {
	channel.loadingOlder = true;
	try {
		await connection.whenConnected();
		const result = await connection.request('channel:history', {
			channelId: channel.id,
			limit: HISTORY_PAGE
		});
		if (!result.ok) return result.error.message;
		channel.take(result.messages);
		channel.hasOlder = result.hasMore;
		channel.loaded = true;
		return null;
	} catch (error) {
		return errorText(error);
	} finally {
		channel.loadingOlder = false;
	}
}

/** Loads the page before the oldest message held. */
export async function loadOlder(connection: Connection, channel: ChannelView) {
	if (!channel.hasOlder || channel.loadingOlder) return null;
	channel.loadingOlder = true;
	try {
		await connection.whenConnected();
		const result = await connection.request('channel:history', {
			channelId: channel.id,
			beforeSeq: channel.messages[0]?.seq ?? channel.lastSeq + 1,
			limit: HISTORY_PAGE
		});
		if (!result.ok) return result.error.message;
		channel.take(result.messages);
		channel.hasOlder = result.hasMore;
		return null;
	} catch (error) {
		return errorText(error);
	} finally {
		channel.loadingOlder = false;
	}
}

/**
 * Everything missed since the last seq held, and the held messages changed since the view's change
 * number; `fresh` gets each page's new messages (for unread counts and the screen reader).
 */
export async function catchUp(
	connection: Connection,
	channel: ChannelView,
	fresh: (messages: Message[]) => void
): Promise<string | null> {
	for (let page = 0; page < CATCHUP_PAGES; page += 1) {
		let result;
		try {
			result = await connection.request('channel:catchup', {
				channelId: channel.id,
				afterSeq: lastSeqOf(channel.messages, 0),
				afterChange: channel.changeCursor
			});
		} catch {
			return null; // Disconnected again: the next connect catches up.
		}
		if (!result.ok) return result.error.message;
		channel.changeCursor = Math.max(channel.changeCursor, result.lastChange);
		if (result.resync) break;
		// Edited, deleted or reacted to while this view was away: the stored version replaces it.
		if (result.changed.length > 0) channel.take(result.changed);
		const before = channel.lastSeq;
		channel.take(result.messages);
		fresh(result.messages.filter((m) => m.seq > before));
		if (!result.hasMore) return null;
	}
	// Too far behind to page forward, or too much changed: start again from the newest page.
	channel.messages = [];
	channel.hasOlder = true;
	return loadNewest(connection, channel);
}
