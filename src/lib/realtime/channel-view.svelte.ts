import { SvelteMap } from 'svelte/reactivity';
import type { Attachment, Channel, Message, Person, Reaction, ThreadSummary } from './events';
import { lastSeqOf, markDeleted, mergeMessages, withReactions } from './timeline';

/** A message the server has not acknowledged yet, shown greyed until it is. */
export type PendingMessage = {
	clientId: string;
	channelId: string;
	body: string;
	attachment: Attachment | null;
	createdAt: string;
	status: 'sending' | 'failed';
	error: string | null;
	/** A thread reply: the message it answers, and whether it also goes to the channel. */
	threadRootId?: string | null;
	alsoInChannel?: boolean;
};

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

	markDeleted(messageId: string) {
		this.messages = markDeleted(this.messages, messageId);
	}

	/** A thread's reply count and last reply, on its root if this view holds it. */
	summarise(summary: ThreadSummary) {
		if (!this.messages.some((message) => message.id === summary.rootId)) return;
		this.messages = this.messages.map((message) =>
			message.id === summary.rootId
				? { ...message, replyCount: summary.replyCount, lastReplyAt: summary.lastReplyAt }
				: message
		);
	}

	/** What the channel's timeline shows: its messages and replies also sent to it. */
	get shown(): Message[] {
		return this.messages.filter((message) => !message.threadRootId || message.alsoInChannel);
	}

	/** The message's reactions as the server counts them; `mine` is worked out for `viewerId`. */
	setReactions(messageId: string, reactions: Reaction[], viewerId: string) {
		this.messages = withReactions(this.messages, messageId, reactions, viewerId);
	}
}

/** Whether the person can see the page now (a hidden tab leaves new messages unread). */
export function pageVisible() {
	return typeof document === 'undefined' || document.visibilityState === 'visible';
}
