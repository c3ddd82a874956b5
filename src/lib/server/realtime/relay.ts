import type { Message } from '$lib/realtime/events';
import * as chat from '$lib/server/chat';
import { pool } from '$lib/server/db';
import type { TesseraIo } from './server';

type Notification =
	| { fetch: string; groupId: string }
	| (Omit<Message, 'author' | 'attachment' | 'reactions' | 'editedAt' | 'deletedAt'> & {
			author: { id: string | null; displayName: string };
	  });

/**
 * Sends each new message to this process's sockets in the order the database committed them
 * (private.messages_notify). Every process listens, so no message goes through the adapter and
 * no two processes can interleave a channel's messages differently.
 */
export class MessageRelay {
	private queue: Promise<void> = Promise.resolve();
	private pending = 0;
	private unlisten: (() => Promise<void>) | undefined;
	readonly listening: Promise<void>;

	constructor(private readonly io: TesseraIo) {
		this.listening = pool()
			.listen('tessera_messages', (payload) => this.receive(payload))
			.then((listener) => {
				this.unlisten = listener.unlisten;
			});
		this.listening.catch((error) => console.error('Could not listen for new messages', error));
	}

	async stop() {
		await this.unlisten?.().catch(() => {});
	}

	private emit(message: Message) {
		this.io.local.to(`group:${message.groupId}`).emit('message:new', message);
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
		// Behind a message that is being read back: wait for it, to keep the order.
		this.pending += 1;
		this.queue = this.queue
			.then(async () => {
				const message =
					'fetch' in data ? await chat.messageForBroadcast(data.fetch) : toMessage(data);
				if (message) this.emit(message);
			})
			.catch((error) => console.error('Could not relay a message', error))
			.finally(() => {
				this.pending -= 1;
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
		createdAt: new Date(data.createdAt).toISOString()
	};
}
