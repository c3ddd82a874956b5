import { readAs } from '$lib/server/db';
import { listen } from '$lib/server/db/listen';
import type { TesseraIo, TesseraSocket } from './server';
import { schedulePresence } from './presence';

const MAX_TIMER_MS = 2 ** 31 - 1;

type Rooms = { groupIds: string[]; conversationIds: string[]; nextChange: Date | null };

/**
 * The groups whose rooms a person joins (the RLS helper of the chat policies), their direct
 * conversations, and when that next changes.
 */
export async function roomsOf(userId: string): Promise<Rooms> {
	const [row] = await readAs(
		{ id: userId },
		(tx) => tx<Rooms[]>`
			select group_ids::text[] as "groupIds", next_change as "nextChange",
			       private.conversation_ids_array()::text[] as "conversationIds"
			from private.chat_rooms()`
	);
	return row ?? { groupIds: [], conversationIds: [], nextChange: null };
}

function roomNames({ groupIds, conversationIds }: Rooms): string[] {
	return [
		...groupIds.map((id) => `group:${id}`),
		...conversationIds.map((id) => `conversation:${id}`)
	];
}

/**
 * Keeps each local socket's `group:<id>` rooms equal to what the database allows now. Fed by
 * `tessera_membership` notifications (a trigger on memberships, organisation admins, course staff
 * and moves), and by a timer at the next dated start or end of one of the person's memberships.
 */
export class RoomKeeper {
	private readonly chains = new Map<string, Promise<void>>();
	private readonly timers = new Map<string, NodeJS.Timeout>();
	private unlisten: (() => Promise<void>) | undefined;
	private stopped = false;
	readonly listening: Promise<void>;

	constructor(private readonly io: TesseraIo) {
		this.listening = listen(
			'tessera_membership',
			(payload) => this.onNotification(payload),
			// Notifications sent while the connection was down are lost: re-read everyone.
			() => this.refreshAll()
		).then((unlisten) => {
			this.unlisten = unlisten;
			if (this.stopped) void unlisten().catch(() => {});
		});
		this.listening.catch((error) =>
			console.error('Could not listen for membership changes', error)
		);
	}

	async stop() {
		this.stopped = true;
		for (const timer of this.timers.values()) clearTimeout(timer);
		this.timers.clear();
		await this.unlisten?.().catch(() => {});
	}

	private onNotification(payload: string) {
		try {
			const data = JSON.parse(payload) as { userIds?: string[]; all?: boolean };
			if (data.all) this.refreshAll();
			else for (const userId of data.userIds ?? []) void this.refresh(userId);
		} catch (error) {
			console.error('Bad membership notification', error);
		}
	}

	private localUserIds(): string[] {
		const ids = new Set<string>();
		for (const socket of this.io.of('/').sockets.values()) ids.add(socket.data.userId);
		return [...ids];
	}

	refreshAll() {
		for (const userId of this.localUserIds()) void this.refresh(userId);
	}

	/** Joins a new socket to its rooms; resolves once it is in them. */
	async join(socket: TesseraSocket) {
		const rooms = await roomsOf(socket.data.userId);
		const { groupIds, nextChange } = rooms;
		if (socket.disconnected) return;
		await socket.join(roomNames(rooms));
		this.schedule(socket.data.userId, nextChange);
		for (const id of groupIds) schedulePresence(this.io, id);
	}

	/** Re-reads one person's rooms; calls for one person run one after another, so the last read wins. */
	refresh(userId: string): Promise<void> {
		const previous = this.chains.get(userId) ?? Promise.resolve();
		const next = previous
			.then(() => this.apply(userId))
			.catch((error) => console.error('Could not refresh socket rooms', error))
			.finally(() => {
				if (this.chains.get(userId) === next) this.chains.delete(userId);
			});
		this.chains.set(userId, next);
		return next;
	}

	private sockets(userId: string): TesseraSocket[] {
		const ids = this.io.of('/').adapter.rooms.get(`user:${userId}`);
		if (!ids) return [];
		return [...ids]
			.map((id) => this.io.of('/').sockets.get(id))
			.filter((socket): socket is TesseraSocket => !!socket);
	}

	private async apply(userId: string) {
		if (this.sockets(userId).length === 0 || this.stopped) return;
		const rooms = await roomsOf(userId);
		const { nextChange } = rooms;
		const allowed = new Set(roomNames(rooms));
		const changed = new Set<string>();
		for (const socket of this.sockets(userId)) {
			for (const room of socket.rooms) {
				if (room.startsWith('conversation:') && !allowed.has(room)) await socket.leave(room);
				if (room.startsWith('group:') && !allowed.has(room)) {
					await socket.leave(room);
					const groupId = room.slice('group:'.length);
					socket.emit('group:revoked', { groupId });
					changed.add(groupId);
				}
			}
			const missing = [...allowed].filter((room) => !socket.rooms.has(room));
			if (missing.length > 0) {
				await socket.join(missing);
				for (const room of missing) {
					if (room.startsWith('group:')) changed.add(room.slice('group:'.length));
				}
			}
		}
		this.schedule(userId, nextChange);
		for (const groupId of changed) schedulePresence(this.io, groupId);
	}

	private schedule(userId: string, at: Date | null) {
		clearTimeout(this.timers.get(userId));
		this.timers.delete(userId);
		if (!at || this.stopped) return;
		const delay = Math.min(MAX_TIMER_MS, Math.max(0, at.getTime() - Date.now()) + 50);
		const timer = setTimeout(() => {
			this.timers.delete(userId);
			void this.refresh(userId);
		}, delay);
		timer.unref();
		this.timers.set(userId, timer);
	}

	/** Forgets a person's timer once their last local socket is gone. */
	forget(userId: string) {
		if (this.sockets(userId).length > 0) return;
		clearTimeout(this.timers.get(userId));
		this.timers.delete(userId);
	}
}
