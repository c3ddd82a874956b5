import { pool } from '$lib/server/db';
import { forBroadcast } from '$lib/server/notifications';
import type { TesseraIo } from './server';

/**
 * Pushes each new notification to its person's sockets (`user:<id>`), as the database announces
 * them at commit (private.notifications_published), whichever code path wrote them. Like the
 * message relay, every app process listens and emits to its own sockets only (`io.local`), so a
 * notification is never sent twice through the adapter.
 */
export class NotificationRelay {
	private queue: Promise<void> = Promise.resolve();
	private unlisten: (() => Promise<void>) | undefined;
	readonly listening: Promise<void>;

	constructor(private readonly io: TesseraIo) {
		this.listening = pool()
			.listen('tessera_notifications', (payload) => this.receive(payload))
			.then((listener) => {
				this.unlisten = listener.unlisten;
			});
		this.listening.catch((error) => console.error('Could not listen for notifications', error));
	}

	async stop() {
		await this.unlisten?.().catch(() => {});
	}

	private receive(payload: string) {
		let ids: string[];
		try {
			ids = (JSON.parse(payload) as { ids: string[] }).ids;
		} catch (error) {
			console.error('Bad notification payload', error);
			return;
		}
		// In order, one read at a time: a person's bell counts up in the order things happened.
		this.queue = this.queue
			.then(async () => {
				for (const { userId, notification, unread } of await forBroadcast(ids)) {
					this.io.local.to(`user:${userId}`).emit('notification:new', { notification, unread });
				}
			})
			.catch((error) => console.error('Could not relay notifications', error));
	}
}
