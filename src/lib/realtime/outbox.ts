import { TimeoutError, type Connection } from './connection.svelte';
import type { Attachment, Message } from './events';
import type { ChannelView, PendingMessage } from './channel-view.svelte';
import { backoff, nowIso } from './timeline';

/**
 * Sending, for one person in one group: messages wait here, greyed, until the server acknowledges
 * them. Delivery retries with the same client id every time, so a retry never duplicates; the
 * waiting messages are kept in localStorage, so a reload or a crash sends them again.
 */
export class Outbox {
	readonly #connection: Connection;
	readonly #key: string;
	readonly #channels: () => ChannelView[];
	readonly #onDelivered: (channel: ChannelView, message: Message) => void;

	constructor(
		connection: Connection,
		key: string,
		channels: () => ChannelView[],
		onDelivered: (channel: ChannelView, message: Message) => void
	) {
		this.#connection = connection;
		this.#key = key;
		this.#channels = channels;
		this.#onDelivered = onDelivered;
	}

	send(
		channel: ChannelView,
		body: string,
		attachment: Attachment | null,
		thread: { rootId: string; alsoInChannel: boolean } | null = null
	) {
		const pending: PendingMessage = {
			clientId: crypto.randomUUID(),
			channelId: channel.id,
			body,
			attachment,
			createdAt: nowIso(),
			status: 'sending',
			error: null,
			threadRootId: thread?.rootId ?? null,
			alsoInChannel: thread?.alsoInChannel ?? false
		};
		channel.pending.push(pending);
		if (!thread) channel.dividerAfter = null;
		this.save();
		void this.#deliver(channel, pending.clientId);
	}

	retry(channel: ChannelView, clientId: string) {
		const pending = channel.pending.find((p) => p.clientId === clientId);
		if (!pending) return;
		pending.status = 'sending';
		pending.error = null;
		void this.#deliver(channel, clientId);
	}

	discard(channel: ChannelView, clientId: string) {
		channel.pending = channel.pending.filter((p) => p.clientId !== clientId);
		this.save();
	}

	save() {
		if (typeof localStorage === 'undefined') return;
		const waiting = this.#channels().flatMap((channel) => channel.pending);
		try {
			if (waiting.length === 0) localStorage.removeItem(this.#key);
			else localStorage.setItem(this.#key, JSON.stringify(waiting));
		} catch {
			// Storage full or disabled: the outbox still lives in memory.
		}
	}

	/** Messages typed before a reload or a crash are sent again with their original client ids. */
	restore() {
		if (typeof localStorage === 'undefined') return;
		let saved: PendingMessage[] = [];
		try {
			saved = JSON.parse(localStorage.getItem(this.#key) ?? '[]');
		} catch {
			return;
		}
		for (const pending of Array.isArray(saved) ? saved : []) {
			const channel = this.#channels().find((c) => c.id === pending.channelId);
			if (!channel || channel.pending.some((p) => p.clientId === pending.clientId)) continue;
			channel.pending.push({
				...pending,
				status: pending.status === 'failed' ? 'failed' : 'sending'
			});
			if (pending.status !== 'failed') void this.#deliver(channel, pending.clientId);
		}
	}

	async #deliver(channel: ChannelView, clientId: string) {
		for (let attempt = 0; ; attempt += 1) {
			const pending = channel.pending.find((p) => p.clientId === clientId);
			if (!pending || pending.status === 'failed') return;
			await this.#connection.whenConnected();
			try {
				const result = await this.#connection.request('message:send', {
					channelId: pending.channelId,
					clientId: pending.clientId,
					body: pending.body,
					attachmentId: pending.attachment?.id ?? null,
					threadRootId: pending.threadRootId ?? null,
					alsoInChannel: pending.alsoInChannel ?? false
				});
				if (result.ok) {
					channel.take([result.message]);
					this.#onDelivered(channel, result.message);
					this.save();
					return;
				}
				const { code, message, retryAfterMs } = result.error;
				if (code === 'rate_limited' || code === 'unavailable') {
					await sleep(retryAfterMs ?? backoff(attempt));
					continue;
				}
				pending.status = 'failed';
				pending.error = message;
				this.save();
				return;
			} catch (error) {
				if (!(error instanceof TimeoutError)) throw error;
				// No answer: the message may or may not be stored; the same client id makes the retry safe.
				await sleep(backoff(attempt));
			}
		}
	}
}

function sleep(ms: number) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
