import { SvelteMap } from 'svelte/reactivity';
import { plainText } from '$lib/chat-format';
import { TimeoutError, type Connection } from './connection.svelte';
import type {
	AnnouncementPayload,
	Attachment,
	Channel,
	Message,
	Person,
	Reaction,
	ServerToClientEvents
} from './events';
import { backoff, lastSeqOf, markDeleted, mergeMessages, nowIso, withReactions } from './timeline';

/** A message the server has not acknowledged yet, shown greyed until it is. */
export type PendingMessage = {
	clientId: string;
	channelId: string;
	body: string;
	attachment: Attachment | null;
	createdAt: string;
	status: 'sending' | 'failed';
	error: string | null;
};

const HISTORY_PAGE = 50;
const CATCHUP_PAGES = 20;
const TYPING_SHOWN_MS = 5000;
const TYPING_SENT_EVERY_MS = 3000;

/** One channel as this browser knows it: a window of messages around the newest, and the reader's place. */
export class ChannelView {
	info = $state() as Channel;
	messages = $state.raw<Message[]>([]);
	pending = $state<PendingMessage[]>([]);
	/** Older messages exist before the first one held. */
	hasOlder = $state(true);
	loadingOlder = $state(false);
	/** Messages after this seq are shown under a "New messages" divider; null for none. */
	dividerAfter = $state<number | null>(null);
	typing = new SvelteMap<string, { person: Person; until: number }>();
	loaded = $state(false);
	/** The channel's change number this view has caught up to (edits, deletions, reactions). */
	changeCursor: number;

	/** `onSettle` runs when an acknowledged message replaces a pending one (to update the outbox). */
	constructor(
		info: Channel,
		private readonly onSettle: () => void = () => {}
	) {
		this.info = info;
		// From the channel list read before any history: changes after it come with the next catch-up.
		this.changeCursor = info.lastChange;
	}

	get id() {
		return this.info.id;
	}

	get lastSeq() {
		return Math.max(this.info.lastSeq, lastSeqOf(this.messages));
	}

	get typingPeople(): Person[] {
		const now = Date.now();
		return [...this.typing.values()].filter((t) => t.until > now).map((t) => t.person);
	}

	take(messages: readonly Message[]) {
		this.messages = mergeMessages(this.messages, messages);
		this.info.lastSeq = Math.max(this.info.lastSeq, lastSeqOf(this.messages));
		// The ack or the broadcast of my own message, whichever comes first, settles its pending copy.
		const settled = messages.map((message) => message.clientId);
		if (this.pending.some((p) => settled.includes(p.clientId))) {
			this.pending = this.pending.filter((p) => !settled.includes(p.clientId));
			this.onSettle();
		}
	}
}

type Options = {
	groupId: string;
	me: Person;
	channels: Channel[];
	/** Display names of the group's people, for mentions. */
	names?: string[];
};

/**
 * The live state of one group's channels for the signed-in person: channels with unread counts,
 * the open channel's messages, presence, typing, and an outbox that retries until the server
 * acknowledges (the same client id every time, so a retry never duplicates).
 */
export class GroupChat {
	readonly groupId: string;
	readonly me: Person;
	channels = $state<ChannelView[]>([]);
	activeId = $state<string | null>(null);
	online = $state.raw<Person[]>([]);
	names = $state.raw<string[]>([]);
	/** Announcements that arrived live while this page was open, newest first. */
	announcements = $state.raw<AnnouncementPayload[]>([]);
	/** Announcements by others since the feed was last open (the sidebar's badge). */
	unseenAnnouncements = $state(0);
	/** Whether the announcements feed is on screen now. */
	feedOpen = $state(false);
	/** Set when the server says this person is no longer in the group. */
	revoked = $state(false);
	/** The last thing to read out to screen readers (new messages in the open channel). */
	announcement = $state('');
	searchResults = $state.raw<Message[] | null>(null);
	searching = $state(false);
	searchError = $state<string | null>(null);
	/** The latest error from an action (edit, delete, react), for the page to show. */
	lastError = $state<string | null>(null);

	readonly connection: Connection;
	#offs: (() => void)[] = [];
	#lastTypingSent = 0;
	#timer: ReturnType<typeof setInterval> | undefined;
	#outboxKey: string;

	constructor(connection: Connection, options: Options) {
		this.connection = connection;
		this.groupId = options.groupId;
		this.me = options.me;
		this.channels = options.channels.map((info) => new ChannelView(info, () => this.#saveOutbox()));
		this.names = options.names ?? [];
		this.#outboxKey = `tessera:outbox:${options.me.id}:${options.groupId}`;
	}

	/** Starts listening (in the browser only, from onMount); `destroy` undoes it. */
	start() {
		this.#listen();
		this.#offs.push(this.connection.onConnect((first) => void this.#sync(first)));
		this.#timer = setInterval(() => this.#pruneTyping(), 1000);
		this.#restoreOutbox();
		this.connection.connect();
	}

	destroy() {
		for (const off of this.#offs.splice(0)) off();
		clearInterval(this.#timer);
	}

	get active(): ChannelView | undefined {
		return this.channels.find((channel) => channel.id === this.activeId);
	}

	channel(id: string): ChannelView | undefined {
		return this.channels.find((channel) => channel.id === id);
	}

	get chatChannels() {
		return this.channels.filter((c) => c.info.kind === 'chat' && !c.info.archivedAt);
	}

	/** Channel list from the server (page load), keeping what is already held. */
	setChannels(infos: Channel[]) {
		this.channels = infos.map((info) => {
			const known = this.channel(info.id);
			if (!known) return new ChannelView(info, () => this.#saveOutbox());
			const lastSeq = Math.max(known.lastSeq, info.lastSeq);
			known.info = { ...info, lastSeq };
			return known;
		});
	}

	/** Opens a channel: loads its newest page once, places the "new messages" divider, marks it read. */
	async open(channelId: string) {
		this.activeId = channelId;
		this.searchResults = null;
		const channel = this.channel(channelId);
		if (!channel) return;
		channel.dividerAfter =
			channel.info.unread > 0 && channel.info.lastReadSeq < channel.lastSeq
				? channel.info.lastReadSeq
				: null;
		if (!channel.loaded) await this.#loadNewest(channel);
		this.markRead(channel);
	}

	async loadOlder(channel: ChannelView) {
		if (!channel.hasOlder || channel.loadingOlder) return;
		channel.loadingOlder = true;
		try {
			await this.connection.whenConnected();
			const result = await this.connection.request('channel:history', {
				channelId: channel.id,
				beforeSeq: channel.messages[0]?.seq ?? channel.lastSeq + 1,
				limit: HISTORY_PAGE
			});
			if (result.ok) {
				channel.take(result.messages);
				channel.hasOlder = result.hasMore;
			} else this.lastError = result.error.message;
		} catch (error) {
			this.lastError = messageOf(error);
		} finally {
			channel.loadingOlder = false;
		}
	}

	/** Tells the server the reader has seen everything in the channel (when there is anything new). */
	markRead(channel: ChannelView) {
		const seq = channel.lastSeq;
		if (seq <= channel.info.lastReadSeq && channel.info.unread === 0) return;
		channel.info.lastReadSeq = Math.max(channel.info.lastReadSeq, seq);
		channel.info.unread = 0;
		channel.info.mentions = 0;
		if (!this.connection.connected) return;
		this.connection.request('channel:read', { channelId: channel.id, seq }).catch(() => {
			// Read markers are advisory; the next open or reconnect sends the position again.
		});
	}

	send(channelId: string, body: string, attachment: Attachment | null = null) {
		const pending: PendingMessage = {
			clientId: crypto.randomUUID(),
			channelId,
			body,
			attachment,
			createdAt: nowIso(),
			status: 'sending',
			error: null
		};
		const channel = this.channel(channelId);
		if (!channel) return;
		channel.pending.push(pending);
		channel.dividerAfter = null;
		this.#saveOutbox();
		void this.#deliver(channel, pending.clientId);
	}

	retry(channelId: string, clientId: string) {
		const channel = this.channel(channelId);
		const pending = channel?.pending.find((p) => p.clientId === clientId);
		if (!channel || !pending) return;
		pending.status = 'sending';
		pending.error = null;
		void this.#deliver(channel, clientId);
	}

	discard(channelId: string, clientId: string) {
		const channel = this.channel(channelId);
		if (!channel) return;
		channel.pending = channel.pending.filter((p) => p.clientId !== clientId);
		this.#saveOutbox();
	}

	async edit(message: Message, body: string): Promise<boolean> {
		const result = await this.#act(() =>
			this.connection.request('message:edit', { messageId: message.id, body })
		);
		if (result?.ok) this.channel(message.channelId)?.take([result.message]);
		return !!result?.ok;
	}

	async remove(message: Message): Promise<boolean> {
		const result = await this.#act(() =>
			this.connection.request('message:delete', { messageId: message.id })
		);
		const channel = this.channel(message.channelId);
		if (result?.ok && channel) channel.messages = markDeleted(channel.messages, message.id);
		return !!result?.ok;
	}

	async react(message: Message, emoji: string) {
		const result = await this.#act(() =>
			this.connection.request('reaction:toggle', { messageId: message.id, emoji })
		);
		const channel = this.channel(message.channelId);
		if (result?.ok && channel) this.#setReactions(channel, message.id, result.reactions);
	}

	async search(channelId: string, query: string) {
		this.searching = true;
		this.searchError = null;
		try {
			await this.connection.whenConnected();
			const result = await this.connection.request('channel:search', { channelId, query });
			if (result.ok) this.searchResults = result.messages;
			else this.searchError = result.error.message;
		} catch (error) {
			this.searchError = messageOf(error);
		} finally {
			this.searching = false;
		}
	}

	clearSearch() {
		this.searchResults = null;
		this.searchError = null;
	}

	/** Call on every keystroke in the composer; sends at most one typing event every 3 s. */
	typed(channelId: string) {
		const now = Date.now();
		if (now - this.#lastTypingSent < TYPING_SENT_EVERY_MS || !this.connection.connected) return;
		this.#lastTypingSent = now;
		this.connection.socket.emit('typing', { channelId });
	}

	get totalUnread() {
		return this.channels.reduce((sum, channel) => sum + channel.info.unread, 0);
	}

	async #act<T extends { ok: boolean }>(call: () => Promise<T>): Promise<T | null> {
		this.lastError = null;
		try {
			if (!this.connection.connected) throw new Error('You are offline. Try again when connected.');
			const result = await call();
			if (!result.ok) {
				this.lastError =
					(result as { error?: { message: string } }).error?.message ?? 'That did not work.';
			}
			return result;
		} catch (error) {
			this.lastError = messageOf(error);
			return null;
		}
	}

	async #deliver(channel: ChannelView, clientId: string) {
		for (let attempt = 0; ; attempt += 1) {
			const pending = channel.pending.find((p) => p.clientId === clientId);
			if (!pending || pending.status === 'failed') return;
			await this.connection.whenConnected();
			try {
				const result = await this.connection.request('message:send', {
					channelId: pending.channelId,
					clientId: pending.clientId,
					body: pending.body,
					attachmentId: pending.attachment?.id ?? null
				});
				if (result.ok) {
					channel.take([result.message]);
					this.markReadIfActive(channel);
					this.#saveOutbox();
					return;
				}
				const { code, message, retryAfterMs } = result.error;
				if (code === 'rate_limited' || code === 'unavailable') {
					await sleep(retryAfterMs ?? backoff(attempt));
					continue;
				}
				pending.status = 'failed';
				pending.error = message;
				this.#saveOutbox();
				return;
			} catch (error) {
				if (!(error instanceof TimeoutError)) throw error;
				// No answer: the message may or may not be stored; the same client id makes the retry safe.
				await sleep(backoff(attempt));
			}
		}
	}

	markReadIfActive(channel: ChannelView) {
		if (channel.id === this.activeId && isPageVisible()) this.markRead(channel);
	}

	async #loadNewest(channel: ChannelView) {
		channel.loadingOlder = true;
		try {
			await this.connection.whenConnected();
			const result = await this.connection.request('channel:history', {
				channelId: channel.id,
				limit: HISTORY_PAGE
			});
			if (result.ok) {
				channel.take(result.messages);
				channel.hasOlder = result.hasMore;
				channel.loaded = true;
			} else this.lastError = result.error.message;
		} catch (error) {
			this.lastError = messageOf(error);
		} finally {
			channel.loadingOlder = false;
		}
	}

	/** On every (re)connect: who is online, and every message missed since the last seq held. */
	async #sync(first: boolean) {
		this.connection
			.request('presence:list', { groupId: this.groupId })
			.then((result) => {
				if (result.ok) this.online = result.online;
			})
			.catch(() => {});
		await Promise.all(
			this.channels.map(async (channel) => {
				if (!channel.loaded) {
					if (!first && channel.id === this.activeId) await this.#loadNewest(channel);
					return;
				}
				await this.#catchUp(channel);
			})
		);
	}

	async #catchUp(channel: ChannelView) {
		for (let page = 0; page < CATCHUP_PAGES; page += 1) {
			let result;
			try {
				result = await this.connection.request('channel:catchup', {
					channelId: channel.id,
					afterSeq: lastSeqOf(channel.messages, 0),
					afterChange: channel.changeCursor
				});
			} catch {
				return; // Disconnected again: the next connect catches up.
			}
			if (!result.ok) {
				this.lastError = result.error.message;
				return;
			}
			channel.changeCursor = Math.max(channel.changeCursor, result.lastChange);
			if (result.resync) break;
			// Edited, deleted or reacted to while this view was away: the stored version replaces it.
			if (result.changed.length > 0) channel.take(result.changed);
			const before = channel.lastSeq;
			channel.take(result.messages);
			this.#countUnread(
				channel,
				result.messages.filter((m) => m.seq > before)
			);
			if (!result.hasMore) return;
		}
		// Too far behind to page forward, or too much changed: start again from the newest page.
		channel.messages = [];
		channel.hasOlder = true;
		await this.#loadNewest(channel);
	}

	#countUnread(channel: ChannelView, fresh: Message[]) {
		const others = fresh.filter(
			(m) => m.author.id !== this.me.id && !m.deletedAt && m.seq > channel.info.lastReadSeq
		);
		if (others.length === 0) return;
		if (channel.id === this.activeId && isPageVisible()) {
			this.markRead(channel);
		} else {
			if (channel.dividerAfter === null && channel.id === this.activeId) {
				channel.dividerAfter = channel.info.lastReadSeq;
			}
			channel.info.unread += others.length;
		}
		if (channel.id === this.activeId) {
			const last = others[others.length - 1];
			this.announcement = `${last.author.displayName}: ${plainText(last.body, 200)}`;
		}
	}

	#setReactions(channel: ChannelView, messageId: string, reactions: Reaction[]) {
		channel.messages = withReactions(channel.messages, messageId, reactions, this.me.id);
	}

	#pruneTyping() {
		const now = Date.now();
		for (const channel of this.channels) {
			for (const [id, entry] of channel.typing) if (entry.until <= now) channel.typing.delete(id);
		}
	}

	#listen() {
		const socket = this.connection.socket;
		const on = <E extends keyof ServerToClientEvents>(
			event: E,
			handler: ServerToClientEvents[E]
		) => {
			socket.on(event, handler as never);
			this.#offs.push(() => socket.off(event, handler as never));
		};

		on('message:new', (message) => {
			const channel = this.channel(message.channelId);
			if (!channel) return;
			const before = channel.lastSeq;
			// Without the newest page loaded, keep only the count; the page loads when opened.
			if (channel.loaded) channel.take([message]);
			else channel.info.lastSeq = Math.max(channel.info.lastSeq, message.seq);
			channel.typing.delete(message.author.id);
			if (message.seq > before) this.#countUnread(channel, [message]);
		});
		on('message:updated', (message) => {
			const channel = this.channel(message.channelId);
			if (channel?.loaded) channel.take([message]);
		});
		on('message:deleted', ({ channelId, id }) => {
			const channel = this.channel(channelId);
			if (channel) channel.messages = markDeleted(channel.messages, id);
		});
		on('reaction:updated', ({ channelId, messageId, reactions }) => {
			const channel = this.channel(channelId);
			if (channel) this.#setReactions(channel, messageId, reactions);
		});
		on('typing', ({ channelId, user }) => {
			if (user.id === this.me.id) return;
			this.channel(channelId)?.typing.set(user.id, {
				person: user,
				until: Date.now() + TYPING_SHOWN_MS
			});
		});
		on('presence', ({ groupId, online }) => {
			if (groupId === this.groupId) this.online = online;
		});
		on('channel:created', (info) => {
			if (info.groupId === this.groupId && !this.channel(info.id)) {
				this.channels = [...this.channels, new ChannelView(info, () => this.#saveOutbox())];
			}
		});
		on('channel:updated', (info) => {
			const channel = this.channel(info.id);
			if (channel) {
				channel.info = {
					...info,
					lastSeq: Math.max(channel.lastSeq, info.lastSeq),
					lastReadSeq: Math.max(channel.info.lastReadSeq, info.lastReadSeq),
					unread: channel.info.unread,
					mentions: channel.info.mentions
				};
			}
		});
		on('mention', ({ channelId }) => {
			const channel = this.channel(channelId);
			if (channel && !(channel.id === this.activeId && isPageVisible())) channel.info.mentions += 1;
		});
		on('announcement:new', (announcement) => {
			if (this.announcements.some((a) => a.id === announcement.id)) return;
			this.announcements = [announcement, ...this.announcements];
			if (announcement.author.id === this.me.id) return;
			if (!this.feedOpen) this.unseenAnnouncements += 1;
			this.announcement = `New announcement: ${announcement.title}`;
		});
		on('group:revoked', ({ groupId }) => {
			if (groupId === this.groupId) this.revoked = true;
		});
	}

	#saveOutbox() {
		if (typeof localStorage === 'undefined') return;
		const waiting = this.channels.flatMap((channel) => channel.pending);
		try {
			if (waiting.length === 0) localStorage.removeItem(this.#outboxKey);
			else localStorage.setItem(this.#outboxKey, JSON.stringify(waiting));
		} catch {
			// Storage full or disabled: the outbox still lives in memory.
		}
	}

	/** Messages typed before a reload or a crash are sent again with their original client ids. */
	#restoreOutbox() {
		if (typeof localStorage === 'undefined') return;
		let saved: PendingMessage[] = [];
		try {
			saved = JSON.parse(localStorage.getItem(this.#outboxKey) ?? '[]');
		} catch {
			return;
		}
		for (const pending of Array.isArray(saved) ? saved : []) {
			const channel = this.channel(pending.channelId);
			if (!channel || channel.pending.some((p) => p.clientId === pending.clientId)) continue;
			channel.pending.push({
				...pending,
				status: pending.status === 'failed' ? 'failed' : 'sending'
			});
			if (pending.status !== 'failed') void this.#deliver(channel, pending.clientId);
		}
	}
}

function isPageVisible() {
	return typeof document === 'undefined' || document.visibilityState === 'visible';
}

function sleep(ms: number) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function messageOf(error: unknown) {
	return error instanceof Error ? error.message : 'Something went wrong.';
}
