import type { ChannelView, PendingMessage } from './channel-view.svelte';
import type { Message, Reaction, ThreadSummary } from './events';
import { markDeleted, mergeMessages, withReactions } from './timeline';

/**
 * One open thread: its root and its replies. Replies live in the channel's own timeline too (they
 * take the channel's seq), so live ones, acks and catch-up arrive there; `loaded` holds the
 * replies read when the thread opened, and `replies` is both, one entry per seq.
 */
export class ThreadView {
	readonly rootId: string;
	readonly channel: ChannelView;
	root = $state.raw<Message | null>(null);
	loaded = $state.raw<Message[]>([]);
	following = $state(false);
	loading = $state(true);
	error = $state<string | null>(null);

	constructor(channel: ChannelView, rootId: string, root: Message | null) {
		this.channel = channel;
		this.rootId = rootId;
		this.root = root;
	}

	get replies(): Message[] {
		return mergeMessages(
			this.loaded,
			this.channel.messages.filter((message) => message.threadRootId === this.rootId)
		);
	}

	get pending(): PendingMessage[] {
		return this.channel.pending.filter((pending) => pending.threadRootId === this.rootId);
	}

	take(messages: readonly Message[]) {
		const root = messages.find((message) => message.id === this.rootId);
		if (root) this.root = root;
		const replies = messages.filter((message) => message.threadRootId === this.rootId);
		if (replies.length > 0) this.loaded = mergeMessages(this.loaded, replies);
	}

	markDeleted(messageId: string) {
		if (this.root?.id === messageId) this.root = markDeleted([this.root], messageId)[0];
		this.loaded = markDeleted(this.loaded, messageId);
	}

	setReactions(messageId: string, reactions: Reaction[], viewerId: string) {
		if (this.root?.id === messageId) {
			this.root = withReactions([this.root], messageId, reactions, viewerId)[0];
		}
		this.loaded = withReactions(this.loaded, messageId, reactions, viewerId);
	}

	summarise(summary: ThreadSummary) {
		if (this.root && summary.rootId === this.rootId) {
			this.root = {
				...this.root,
				replyCount: summary.replyCount,
				lastReplyAt: summary.lastReplyAt
			};
		}
	}
}
