import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { ClientToServerEvents, Result, ServerToClientEvents } from './events';

export type TesseraSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ConnectionStatus = 'connecting' | 'online' | 'offline';

/** The payload and ack result of a client→server event that takes an ack. */
type AckEvents = {
	[E in keyof ClientToServerEvents]: Parameters<ClientToServerEvents[E]> extends [
		infer Input,
		(result: infer R) => void
	]
		? { input: Input; result: R }
		: never;
};
type AckEventName = {
	[E in keyof AckEvents]: AckEvents[E] extends never ? never : E;
}[keyof AckEvents];

export class TimeoutError extends Error {
	constructor() {
		super('The server did not answer in time.');
	}
}

/** A failed request (timeout, offline) in words for people. */
export function errorText(error: unknown): string {
	return error instanceof Error ? error.message : 'Something went wrong.';
}

/**
 * One Socket.IO connection for the page, authenticated by the session cookie. Socket.IO
 * reconnects by itself after a network drop or a server restart; `onConnect` listeners run on the
 * first connect and on every reconnect, which is where callers catch up from the database.
 */
export class Connection {
	status = $state<ConnectionStatus>('connecting');
	/** Why the last attempt to connect failed, in words for people. */
	problem = $state<string | null>(null);
	readonly socket: TesseraSocket;
	#listeners: ((first: boolean) => void)[] = [];
	#connectedOnce = false;
	#waiters: (() => void)[] = [];

	/** `url` and `socket` are for tests that connect from Node (a browser uses the page's origin). */
	constructor(options: { url?: string; socket?: Partial<ManagerOptions & SocketOptions> } = {}) {
		// On the server (SSR) there is no page to connect from; the socket is only opened in the browser.
		const url = options.url ?? (typeof location === 'undefined' ? 'http://localhost' : '');
		const settings = {
			path: '/socket.io',
			transports: ['websocket'],
			autoConnect: false,
			reconnectionDelay: 500,
			reconnectionDelayMax: 5000,
			...options.socket
		};
		this.socket = url ? io(url, settings) : io(settings);
		this.socket.on('connect', () => {
			this.status = 'online';
			this.problem = null;
			const first = !this.#connectedOnce;
			this.#connectedOnce = true;
			for (const resolve of this.#waiters.splice(0)) resolve();
			for (const listener of [...this.#listeners]) listener(first);
		});
		this.socket.on('disconnect', (reason) => {
			this.status = 'offline';
			// The server closes sockets on sign-out; try again once, the handshake then says why.
			if (reason === 'io server disconnect') setTimeout(() => this.socket.connect(), 1000);
		});
		this.socket.on('connect_error', (error) => {
			this.status = 'offline';
			this.problem = error.message || 'Could not reach the server.';
		});
		this.socket.io.on('reconnect_attempt', () => {
			if (this.status === 'offline') this.status = 'connecting';
		});
	}

	connect() {
		this.socket.connect();
		return this;
	}

	close() {
		this.#listeners = [];
		this.socket.removeAllListeners();
		this.socket.io.removeAllListeners();
		this.socket.close();
	}

	get connected() {
		return this.status === 'online' && this.socket.connected;
	}

	/** Resolves once connected (at once when already connected). */
	whenConnected(): Promise<void> {
		if (this.socket.connected) return Promise.resolve();
		return new Promise((resolve) => this.#waiters.push(resolve));
	}

	/** Runs on every connect; `first` is false on a reconnect. Returns an unsubscribe function. */
	onConnect(listener: (first: boolean) => void): () => void {
		this.#listeners.push(listener);
		if (this.socket.connected) listener(!this.#connectedOnce);
		return () => {
			this.#listeners = this.#listeners.filter((known) => known !== listener);
		};
	}

	/** Emits an event with an ack and resolves with the server's result; rejects with TimeoutError. */
	request<E extends AckEventName>(
		event: E,
		input: AckEvents[E]['input'],
		timeoutMs = 8000
	): Promise<AckEvents[E]['result']> {
		return new Promise((resolve, reject) => {
			const timed = this.socket.timeout(timeoutMs);
			const emit = timed.emit as unknown as (
				event: string,
				input: unknown,
				ack: (error: Error | null, result: Result) => void
			) => void;
			emit.call(timed, event, input, (error, result) => {
				if (error) reject(new TimeoutError());
				else resolve(result as AckEvents[E]['result']);
			});
		});
	}
}
