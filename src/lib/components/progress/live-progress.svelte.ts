import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '$lib/realtime/events';

/**
 * Listens for `progress:changed` on the user's socket and calls `onChange` (debounced) when a
 * change touches one of the watched courses (or any course when none are given).
 */
export class LiveProgress {
	connected = $state(false);
	/** When the data last reloaded after a change (ms since the epoch). */
	updatedAt = $state<number | null>(null);
	#socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
	#timer: ReturnType<typeof setTimeout> | null = null;

	constructor(
		private readonly watched: () => string[],
		private readonly onChange: () => Promise<void> | void,
		private readonly debounceMs = 400
	) {}

	start() {
		// WebSocket only: the server checks the Origin header, which a browser always sends on a
		// WebSocket handshake but not on a same-origin polling GET.
		const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
			path: '/socket.io',
			transports: ['websocket'],
			withCredentials: true
		});
		socket.on('connect', () => (this.connected = true));
		socket.on('disconnect', () => (this.connected = false));
		socket.on('progress:changed', ({ courseIds }) => {
			const watched = this.watched();
			if (watched.length > 0 && !courseIds.some((id) => watched.includes(id))) return;
			if (this.#timer) clearTimeout(this.#timer);
			this.#timer = setTimeout(async () => {
				this.#timer = null;
				await this.onChange();
				this.updatedAt = Date.now();
			}, this.debounceMs);
		});
		this.#socket = socket;
		return () => this.stop();
	}

	stop() {
		if (this.#timer) clearTimeout(this.#timer);
		this.#socket?.disconnect();
		this.#socket = null;
		this.connected = false;
	}
}
