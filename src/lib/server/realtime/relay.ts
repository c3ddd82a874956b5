import type { Message } from '$lib/realtime/types';
import * as chat from '$lib/server/chat';
import { listen } from '$lib/server/db/listen';
import { channelRoom } from './emit';
import type { TesseraIo } from './server';

type Notification =
	| { fetch: string; groupId: string | null }
	| (Omit<
			Message,
			| 'author'
			| 'attachment'
			| 'reactions'
			| 'editedAt'
			| 'deletedAt'
			| 'replyCount'
			| 'lastReplyAt'
			| 'threadRootId'
			| 'alsoInChannel'
	  > & {
			threadRootId?: string | null;
			alsoInChannel?: boolean;
			author: { id: string | null; displayName: string };
	  });

/** Read again after a reconnect: messages begun this long before the connection dropped. */
const CATCHUP_MARGIN_MS = 30_000;

/**
 * Sends each new message to this process's sockets in the order the database committed them
 * (private.messages_notify). Every process listens, so no message goes through the adapter and
 * no two processes can interleave a channel's messages differently. After the LISTEN connection
 * comes back, the messages stored meanwhile are read from the table and sent in seq order; a
 * channel's messages at or below the last seq sent are never sent twice.
 */
export class MessageRelay {
	private queue: Promise<void> = Promise.resolve();
	private pending = 0;
	private readonly lastSeq = new Map<string, number>();
	private unlisten: (() => Promise<void>) | undefined;
	readonly listening: Promise<void>;

	constructor(private readonly io: TesseraIo) {
		this.listening = listen(
			'tessera_messages',
			(payload) => this.receive(payload),
			(downSince) => this.catchUp(downSince)
		).then((unlisten) => {
			this.unlisten = unlisten;
		});
		this.listening.catch((error) => console.error('Could not listen for new messages', error));
	}

	async stop() {
		await this.unlisten?.().catch(() => {});
	}

	private emit(message: Message) {
		const last = this.lastSeq.get(message.channelId) ?? 0;
		if (message.seq <= last) return;
		if (this.lastSeq.size > 100_000) this.lastSeq.clear();
		this.lastSeq.set(message.channelId, message.seq);
		this.io.local.to(channelRoom(message)).emit('message:new', message);
	}

	/** Runs `task` after everything queued, holding back live notifications meanwhile. */
	private enqueue(task: () => Promise<void>) {
		this.pending += 1;
		this.queue = this.queue
			.then(task)
			.catch((error) => console.error('Could not relay a message', error))
			.finally(() => {
				this.pending -= 1;
			});
	}

	private catchUp(downSince: Date, attempt = 0) {
		const rooms = [...this.io.of('/').adapter.rooms.keys()];
		const groupIds = rooms
			.filter((room) => room.startsWith('group:'))
			.map((room) => room.slice('group:'.length));
		const conversationIds = rooms
			.filter((room) => room.startsWith('conversation:'))
			.map((room) => room.slice('conversation:'.length));
		const since = new Date(downSince.getTime() - CATCHUP_MARGIN_MS);
		this.enqueue(async () => {
			let missed: Message[];
			try {
				missed = await chat.recentForBroadcast(groupIds, since, 5000, conversationIds);
			} catch (error) {
				// The database went away again: the next reconnect catches up, or this retry does.
				if (attempt < 10) setTimeout(() => this.catchUp(downSince, attempt + 1), 1000).unref();
				throw error;
			}
			for (const message of missed) this.emit(message);
		});
	}

	private receive(payload: string) {
		let data: Notification;
		try {
			data = JSON.parse(payload);
		} catch (error) {
			console.error('Bad message notification', error);
			return;
		}
		if (!('fetch' in data) && this.pending === 0) {
			this.emit(toMessage(data));
			return;
		}
		// Behind a message that is being read back (or a catch-up): wait for it, to keep the order.
		this.enqueue(async () => {
			const message =
				'fetch' in data ? await chat.messageForBroadcast(data.fetch) : toMessage(data);
			if (message) this.emit(message);
		});
	}
}

function toMessage(data: Exclude<Notification, { fetch: string }>): Message {
	return {
		id: data.id,
		channelId: data.channelId,
		groupId: data.groupId,
		seq: data.seq,
		author: { id: data.author.id ?? '', displayName: data.author.displayName || 'Former member' },
		clientId: data.clientId,
		body: data.body,
		attachment: null,
		reactions: [],
		editedAt: null,
		deletedAt: null,
		createdAt: new Date(data.createdAt).toISOString(),
		threadRootId: data.threadRootId ?? null,
		alsoInChannel: data.alsoInChannel ?? false,
		replyCount: 0,
		lastReplyAt: null
	};
}
