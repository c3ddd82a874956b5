import pg from 'pg';

type Channel = {
	onNotify: (payload: string) => void;
	/** Runs after every reconnect, once LISTEN is back: read what was missed from the database. */
	onReconnect?: (downSince: Date) => void;
};

/**
 * The connection that listens (and carries the socket adapter): sessions of their own, so never
 * through a transaction pooler. TESSERA_LISTEN_DATABASE_URL (from LISTEN_DATABASE_URL, see
 * db/setup.js), else the app's own URL.
 */
export function listenDatabaseUrl(): string | undefined {
	return process.env.TESSERA_LISTEN_DATABASE_URL || process.env.TESSERA_APP_DATABASE_URL;
}

const BACKOFF_MS = [100, 250, 500, 1000, 2000];
const STATE = Symbol.for('tessera.db.listener');
const store = globalThis as unknown as Record<symbol, Listener | undefined>;

/**
 * One LISTEN connection for the whole process (messages, memberships, learner groups). It owns
 * its pg client and handles every error: when the connection drops (Postgres restarted, the
 * backend terminated), it reconnects with backoff, listens again on every channel and tells each
 * channel it may have missed notifications. postgres.js's own listen retries once and then stops.
 */
class Listener {
	private readonly channels = new Map<string, Channel[]>();
	private client: pg.Client | undefined;
	private connecting: Promise<void> | undefined;
	private attempt = 0;
	private timer: NodeJS.Timeout | undefined;
	private stopped = false;
	private everConnected = false;
	/** When the connection was last lost (null while listening). */
	downSince: number | null = Date.now();

	get connected() {
		return this.client !== undefined;
	}

	async add(name: string, channel: Channel): Promise<() => Promise<void>> {
		const known = this.channels.get(name);
		if (known) known.push(channel);
		else this.channels.set(name, [channel]);
		if (this.client && !known) {
			const client = this.client;
			await client.query(`listen ${pg.escapeIdentifier(name)}`).catch(() => {
				// The connection broke and has not said so yet: end it. Its 'end' reconnects, and the next
				// connection listens on every channel, this one included (a fresh-clone CI run beside busy
				// loops saw this refusal end a server's start).
				client.end().catch(() => {});
			});
		} else await this.ready();
		return async () => {
			const left = (this.channels.get(name) ?? []).filter((c) => c !== channel);
			if (left.length > 0) return void this.channels.set(name, left);
			this.channels.delete(name);
			await this.client?.query(`unlisten ${pg.escapeIdentifier(name)}`).catch(() => {});
		};
	}

	/** Resolves once connected (rejects on the first failure, while retrying goes on). */
	ready(): Promise<void> {
		if (this.client) return Promise.resolve();
		this.connecting ??= this.connect();
		return this.connecting;
	}

	private async connect(): Promise<void> {
		const url = listenDatabaseUrl();
		if (!url) throw new Error('TESSERA_APP_DATABASE_URL is not set.');
		const client = new pg.Client({
			connectionString: url,
			application_name: 'tessera-listen',
			// A connection attempt that hangs (a backend ended while it started) is given up and retried,
			// each time with longer to finish (2, 4, 8 s): on a loaded machine a connection can take
			// more than 2 s to start, and a fixed limit might never let one through.
			connectionTimeoutMillis: Math.min(2000 * 2 ** this.attempt, 8000),
			keepAlive: true
		});
		let lost = false;
		const onLost = (error?: Error) => {
			if (lost) return;
			lost = true;
			client.end().catch(() => {});
			if (this.client === client) this.client = undefined;
			// A client already replaced (its 'end' came after the next one connected): the current
			// one listens, nothing is down.
			else if (this.client) return;
			this.downSince ??= Date.now();
			if (error && !this.stopped) console.error('Lost the LISTEN connection:', error.message);
			this.retry();
		};
		client.on('error', onLost);
		client.on('end', () => onLost());
		client.on('notification', (message) => {
			for (const channel of this.channels.get(message.channel) ?? []) {
				channel.onNotify(message.payload ?? '');
			}
		});
		try {
			await client.connect();
			for (const name of this.channels.keys()) {
				await client.query(`listen ${pg.escapeIdentifier(name)}`);
			}
		} catch (error) {
			this.connecting = undefined;
			onLost();
			// When the connection was lost during LISTEN, onLost ran while this attempt was still under
			// way and its retry was refused (one attempt at a time); without this one, the listener
			// stayed down for good (a fresh-clone CI run saw /healthz say "reconnecting" for minutes).
			this.retry();
			throw error;
		}
		if (this.stopped) {
			await client.end().catch(() => {});
			return;
		}
		this.client = client;
		this.connecting = undefined;
		this.attempt = 0;
		const downSince = new Date(this.downSince ?? Date.now());
		this.downSince = null;
		if (this.everConnected) {
			for (const channel of [...this.channels.values()].flat()) channel.onReconnect?.(downSince);
		}
		this.everConnected = true;
	}

	private retry() {
		if (this.stopped || this.timer || this.connecting) return;
		const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
		this.attempt += 1;
		this.timer = setTimeout(
			() => {
				this.timer = undefined;
				this.connecting ??= this.connect();
				this.connecting.catch(() => {});
			},
			base * (0.75 + Math.random() / 2)
		);
		this.timer.unref();
	}

	async stop() {
		this.stopped = true;
		clearTimeout(this.timer);
		const client = this.client;
		this.client = undefined;
		await client?.end().catch(() => {});
	}
}

function listener(): Listener {
	store[STATE] ??= new Listener();
	return store[STATE];
}

/**
 * Listens on a Postgres channel for the life of the process, across reconnects. `onReconnect`
 * runs each time the connection came back (notifications sent meanwhile are lost: catch up from
 * the tables). Resolves with how to stop listening once the first LISTEN is in place.
 */
export function listen(
	name: string,
	onNotify: (payload: string) => void,
	onReconnect?: (downSince: Date) => void
): Promise<() => Promise<void>> {
	return listener().add(name, { onNotify, onReconnect });
}

/** The LISTEN connection for /healthz: off (nothing listens), listening, or reconnecting since when. */
export function listenerState():
	{ status: 'off' | 'listening' } | { status: 'reconnecting'; downSince: string } {
	const current = store[STATE];
	if (!current) return { status: 'off' };
	if (current.connected) return { status: 'listening' };
	return {
		status: 'reconnecting',
		downSince: new Date(current.downSince ?? Date.now()).toISOString()
	};
}

/** Closes the LISTEN connection (at shutdown). */
export async function closeListener() {
	const current = store[STATE];
	store[STATE] = undefined;
	await current?.stop();
}
