import { plainText } from '$lib/chat-format';
import { errorText, type Connection } from './connection.svelte';
import { ChannelView, pageVisible } from './channel-view.svelte';
import { catchUp, loadNewest, loadOlder } from './catch-up';
import type {
	AnnouncementEdited,
	AnnouncementPayload,
	Attachment,
	Channel,
	Mentionable,
	Message,
	Person
} from './events';
import { listenToGroup } from './group-chat-events';
import { Outbox } from './outbox';
import { ThreadView } from './thread-view.svelte';

export { ChannelView, type PendingMessage } from './channel-view.svelte';
export { ThreadView } from './thread-view.svelte';

const TYPING_SENT_EVERY_MS = 3000;

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
 * acknowledges (the same client id every time, so a retry never duplicates). Sending lives in
 * `outbox.ts`, reading from the server in `catch-up.ts`, what the server pushes in
 * `group-chat-events.ts`; this class holds the state and the person's actions.
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
	/** Announcements edited while this page was open, by id: the feed shows the new version. */
	announcementEdits = $state.raw<Record<string, AnnouncementEdited>>({});
	/** Announcements by others since the feed was last open (the sidebar's badge). */
	unseenAnnouncements = $state(0);
	/** Whether the announcements feed is on screen now. */
	feedOpen = $state(false);
	/** Set when the server says this person is no longer in the group. */
	revoked = $state(false);
	/** Goes up each time the group's library changes (resources pages read it again). */
	libraryVersion = $state(0);
	/** The last thing to read out to screen readers (new messages in the open channel). */
	announcement = $state('');
	searchResults = $state.raw<Message[] | null>(null);
	searching = $state(false);
	searchError = $state<string | null>(null);
	/** The latest error from an action (edit, delete, react), for the page to show. */
	lastError = $state<string | null>(null);
	/** The thread open beside (or, on a phone, over) the channel. */
	thread = $state<ThreadView | null>(null);
	/** Who may be mentioned, per channel, as the server lists them (read once per channel). */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a request cache, never rendered
	#mentionables = new Map<
		string,
		Promise<{ people: Mentionable[]; canMentionChannel: boolean } | null>
	>();

	readonly connection: Connection;
	readonly #outbox: Outbox;
	#offs: (() => void)[] = [];
	#lastTypingSent = 0;
	#timer: ReturnType<typeof setInterval> | undefined;

	constructor(connection: Connection, options: Options) {
		this.connection = connection;
		this.groupId = options.groupId;
		this.me = options.me;
		this.#outbox = new Outbox(
			connection,
			`tessera:outbox:${options.me.id}:${options.groupId}`,
			() => this.channels,
			(channel, message) => {
				this.markReadIfActive(channel);
				// Replying follows the thread (the server's rule): the panel says so at once.
				if (this.thread && message.threadRootId === this.thread.rootId) {
					this.thread.following = true;
				}
			}
		);
		this.channels = options.channels.map((info) => this.viewOf(info));
		this.names = options.names ?? [];
	}

	/** Starts listening (in the browser only, from onMount); `destroy` undoes it. */
	start() {
		this.#offs.push(...listenToGroup(this));
		this.#offs.push(this.connection.onConnect((first) => void this.#sync(first)));
		this.#timer = setInterval(() => this.#pruneTyping(), 1000);
		this.#outbox.restore();
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

	/** A view of a channel new to this page, whose settled messages leave the outbox. */
	viewOf(info: Channel): ChannelView {
		return new ChannelView(info, () => this.#outbox.save());
	}

	get chatChannels() {
		return this.channels.filter((c) => c.info.kind === 'chat' && !c.info.archivedAt);
	}

	/** Channel list from the server (page load), keeping what is already held. */
	setChannels(infos: Channel[]) {
		this.channels = infos.map((info) => {
			const known = this.channel(info.id);
			if (!known) return this.viewOf(info);
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
		if (!channel.loaded) this.#report(await loadNewest(this.connection, channel));
		this.markRead(channel);
	}

	async loadOlder(channel: ChannelView) {
		this.#report(await loadOlder(this.connection, channel));
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

	markReadIfActive(channel: ChannelView) {
		if (channel.id === this.activeId && pageVisible()) this.markRead(channel);
	}

	send(
		channelId: string,
		body: string,
		attachment: Attachment | null = null,
		thread: { rootId: string; alsoInChannel: boolean } | null = null
	) {
		const channel = this.channel(channelId);
		if (channel) this.#outbox.send(channel, body, attachment, thread);
	}

	/** Opens a thread: its root and replies from the server, and whether the reader follows it. */
	async openThread(channelId: string, rootId: string) {
		const channel = this.channel(channelId);
		if (!channel) return;
		if (this.thread?.rootId === rootId) return;
		const held = channel.messages.find((message) => message.id === rootId) ?? null;
		const thread = new ThreadView(channel, rootId, held);
		this.thread = thread;
		await this.#loadThread(thread);
	}

	closeThread() {
		this.thread = null;
	}

	async #loadThread(thread: ThreadView) {
		thread.loading = true;
		thread.error = null;
		try {
			await this.connection.whenConnected();
			const result = await this.connection.request('thread:open', { rootId: thread.rootId });
			if (!result.ok) {
				thread.error = result.error.message;
				return;
			}
			thread.root = result.root;
			thread.loaded = result.replies;
			thread.following = result.following;
		} catch (error) {
			thread.error = errorText(error);
		} finally {
			thread.loading = false;
		}
	}

	async follow(thread: ThreadView, following: boolean) {
		const result = await this.#act(() =>
			this.connection.request('thread:follow', { rootId: thread.rootId, following })
		);
		if (result?.ok) thread.following = result.following;
	}

	/** The people the reader may mention in a channel (asked once per channel and page). */
	mentionables(channelId: string) {
		let known = this.#mentionables.get(channelId);
		if (!known) {
			known = this.connection
				.whenConnected()
				.then(() => this.connection.request('channel:mentionables', { channelId }))
				.then((result) => (result.ok ? result : null))
				.catch(() => null);
			this.#mentionables.set(channelId, known);
			void known.then((result) => {
				if (!result) this.#mentionables.delete(channelId);
			});
		}
		return known;
	}

	retry(channelId: string, clientId: string) {
		const channel = this.channel(channelId);
		if (channel) this.#outbox.retry(channel, clientId);
	}

	discard(channelId: string, clientId: string) {
		const channel = this.channel(channelId);
		if (channel) this.#outbox.discard(channel, clientId);
	}

	async edit(message: Message, body: string): Promise<boolean> {
		const result = await this.#act(() =>
			this.connection.request('message:edit', { messageId: message.id, body })
		);
		if (result?.ok) {
			this.channel(message.channelId)?.take([result.message]);
			this.thread?.take([result.message]);
		}
		return !!result?.ok;
	}

	async remove(message: Message): Promise<boolean> {
		const result = await this.#act(() =>
			this.connection.request('message:delete', { messageId: message.id })
		);
		if (result?.ok) {
			this.channel(message.channelId)?.markDeleted(message.id);
			this.thread?.markDeleted(message.id);
		}
		return !!result?.ok;
	}

	async react(message: Message, emoji: string) {
		const result = await this.#act(() =>
			this.connection.request('reaction:toggle', { messageId: message.id, emoji })
		);
		if (result?.ok) {
			this.channel(message.channelId)?.setReactions(message.id, result.reactions, this.me.id);
			this.thread?.setReactions(message.id, result.reactions, this.me.id);
		}
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
			this.searchError = errorText(error);
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

	/** New messages by others: read at once in the open, visible channel, else counted as unread. */
	countUnread(channel: ChannelView, fresh: Message[]) {
		// A reply only in its thread is not news in the channel (its followers are notified).
		const others = fresh.filter(
			(m) =>
				m.author.id !== this.me.id &&
				!m.deletedAt &&
				m.seq > channel.info.lastReadSeq &&
				(!m.threadRootId || m.alsoInChannel)
		);
		if (others.length === 0) return;
		if (channel.id === this.activeId && pageVisible()) {
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
			this.lastError = errorText(error);
			return null;
		}
	}

	#report(error: string | null) {
		if (error) this.lastError = error;
	}

	/** On every (re)connect: who is online, and every message missed since the last seq held. */
	async #sync(first: boolean) {
		this.connection
			.request('presence:list', { groupId: this.groupId })
			.then((result) => {
				if (result.ok) this.online = result.online;
			})
			.catch(() => {});
		if (!first && this.thread) void this.#loadThread(this.thread);
		await Promise.all(
			this.channels.map(async (channel) => {
				if (!channel.loaded) {
					if (!first && channel.id === this.activeId) {
						this.#report(await loadNewest(this.connection, channel));
					}
					return;
				}
				this.#report(
					await catchUp(this.connection, channel, (fresh) => this.countUnread(channel, fresh))
				);
			})
		);
	}

	#pruneTyping() {
		const now = Date.now();
		for (const channel of this.channels) {
			for (const [id, entry] of channel.typing) if (entry.until <= now) channel.typing.delete(id);
		}
	}
}
