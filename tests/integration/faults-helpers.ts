import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { Message, Result } from '$lib/realtime/events';
import { SESSION_COOKIE } from '$lib/server/auth/session';
import { findFreePort, pgCtl } from '../../src/lib/server/db/embedded.js';
import { appUrlFor } from '../../src/lib/server/db/setup.js';
import { open, pause, type Client } from './realtime-helpers';

/**
 * How many times busier than its cores the machine is (1-minute load per core, at least 1). The
 * time bounds of the fault tests hold on a machine with a core to spare; on a shared machine they
 * are stretched by this factor, which every summary prints next to the raw figures.
 */
export function contention(): number {
	return Math.max(1, Math.round((loadavg()[0] / availableParallelism()) * 10) / 10);
}

const SUPPORT = path.resolve(import.meta.dirname, '../support');

/** Variables of the test run that must not reach an app that opens its own database. */
const DATABASE_VARIABLES = [
	'DATABASE_URL',
	'TESSERA_APP_DATABASE_URL',
	'TESSERA_JOBS_DATABASE_URL',
	'TESSERA_TEST_ADMIN_URL'
];

/**
 * The app as its own process, owning an embedded Postgres in a data folder of its own, as
 * `npm start` does: `app` is the whole app (pages, API, sockets, jobs), `realtime` the socket
 * server alone (starts faster, for the crash test). Records everything it prints and whether it
 * ever ended without being told to.
 */
export class AppProcess {
	readonly dataDir: string;
	child: ChildProcess | undefined;
	port = 0;
	pgPort = 0;
	output = '';
	crashes = 0;
	private killing = false;

	constructor(private readonly kind: 'app' | 'realtime') {
		const folder = mkdtempSync(path.join(tmpdir(), 'tessera-faults-'));
		// Postgres runs as its own user, which must be able to reach the data folder.
		chmodSync(folder, 0o755);
		this.dataDir = folder;
	}

	get url() {
		return `http://127.0.0.1:${this.port}`;
	}

	get pgDataDir() {
		return path.join(this.dataDir, 'postgres');
	}

	/** Starts the process; resolves once it serves (its database opened and migrated). */
	async start(): Promise<void> {
		this.pgPort ||= await findFreePort();
		const env: NodeJS.ProcessEnv = { ...process.env };
		for (const name of DATABASE_VARIABLES) delete env[name];
		const script = this.kind === 'app' ? 'app-server.js' : 'realtime-server.js';
		const child = spawn(process.execPath, [path.join(SUPPORT, script)], {
			env: {
				...env,
				TESSERA_DATA_DIR: this.dataDir,
				TESSERA_DB_PORT: String(this.pgPort),
				PORT: String(this.port),
				ORIGIN: '',
				ALLOWED_ORIGINS: '',
				// The fault tests send far more than a person would.
				SOCKET_EVENTS_PER_SECOND: '1000',
				SOCKET_EVENT_BURST: '1000'
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		this.child = child;
		this.killing = false;
		child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
		child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
		child.once('exit', () => {
			if (!this.killing) this.crashes += 1;
		});
		const from = this.output.length;
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`The app did not start:\n${this.output.slice(from)}`)),
				90_000
			);
			const check = () => {
				const match = this.output.slice(from).match(/LISTENING (\d+)/);
				if (!match) return;
				clearTimeout(timer);
				child.stdout!.off('data', check);
				this.port = Number(match[1]);
				resolve();
			};
			child.stdout!.on('data', check);
			child.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`The app exited with ${code}:\n${this.output.slice(from)}`));
			});
		});
	}

	/** Ends the process: SIGKILL as a crash would, SIGTERM as an operator would. */
	async kill(signal: NodeJS.Signals = 'SIGKILL') {
		const child = this.child;
		if (!child || child.exitCode !== null || child.signalCode !== null) return;
		this.killing = true;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill(signal);
		await exited;
	}

	/** The superuser's URL of the app's own Postgres (its password is kept in the data folder). */
	adminUrl(): string {
		const secrets = JSON.parse(
			readFileSync(path.join(this.pgDataDir, 'tessera-secrets.json'), 'utf8')
		) as { superuser: string; app: string };
		return `postgres://postgres:${encodeURIComponent(secrets.superuser)}@127.0.0.1:${this.pgPort}/postgres`;
	}

	appUrl(): string {
		const secrets = JSON.parse(
			readFileSync(path.join(this.pgDataDir, 'tessera-secrets.json'), 'utf8')
		) as { superuser: string; app: string };
		return appUrlFor(this.adminUrl(), secrets.app);
	}

	/** Points this test process's fixtures and domain calls at the app's database. */
	useItsDatabase() {
		process.env.TESSERA_TEST_ADMIN_URL = this.adminUrl();
		process.env.TESSERA_APP_DATABASE_URL = this.appUrl();
		process.env.TESSERA_JOBS_DATABASE_URL = this.adminUrl();
	}

	/** Restarts its Postgres as an operator would: fast shutdown, then start (waits for both). */
	restartPostgres() {
		return pgCtl(this.pgDataDir, [
			'restart',
			'-m',
			'fast',
			'-w',
			'-t',
			'60',
			'-l',
			path.join(this.pgDataDir, 'restart.log')
		]);
	}

	/** Stops the process and its Postgres (left running after a crash) and removes the folder. */
	async dispose() {
		if (process.env.FAULTS_LOG) writeFileSync(process.env.FAULTS_LOG, this.output);
		await this.kill('SIGTERM');
		await pgCtl(this.pgDataDir, ['stop', '-m', 'immediate', '-w']).catch(() => {});
		rmSync(this.dataDir, { recursive: true, force: true });
	}

	/** Lines that say an error went unhandled (the process would have ended). */
	unhandledErrors(): string[] {
		return this.output
			.split('\n')
			.filter((line) =>
				/Unhandled 'error' event|uncaughtException|unhandledRejection|UnhandledPromiseRejection/.test(
					line
				)
			);
	}
}

/** Ends every connection the app holds to its database (pool, LISTEN, adapter, jobs). */
export async function terminateAppConnections(adminUrl: string): Promise<number> {
	const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
	try {
		const rows = await sql<{ ok: boolean }[]>`
			select pg_terminate_backend(pid) as ok from pg_stat_activity
			where pid <> pg_backend_pid() and application_name like 'tessera%'
			  and backend_type = 'client backend'`;
		return rows.filter((row) => row.ok).length;
	} finally {
		await sql.end();
	}
}

type Sent = { id: string; seq: number };

/**
 * A person chatting through a client that behaves like the app's (group-chat.svelte.ts): an
 * outbox of unacknowledged messages, retried with the same client id after an `unavailable`
 * answer, a timeout or a reconnect, and a catch-up from the last seq on every connect.
 */
export class ChatClient {
	readonly socket: Client;
	readonly seen = new Map<number, string>();
	readonly acked = new Map<string, Sent>();
	readonly outbox: { clientId: string; body: string }[] = [];
	/** Answers by code other than ok (unavailable, rate_limited, …). */
	readonly refusals = new Map<string, number>();
	connects = 0;
	/** When the last catch-up after a connect finished. */
	caughtUpAt = 0;
	/** When the server last answered `unavailable`. */
	lastUnavailableAt = 0;
	/** Requests not answered within the ack timeout (then retried). */
	timeouts = 0;
	disconnects = 0;
	connectedAt = 0;
	readyAt = 0;
	private flushing = false;
	private catchingUp = Promise.resolve();

	constructor(
		url: string,
		token: string,
		private readonly channelId: string,
		readonly name: string,
		private readonly ackTimeoutMs = 5000
	) {
		this.socket = open(url, { token }, { reconnection: true });
		this.socket.on('message:new', (message) => this.record(message));
		this.socket.on('disconnect', () => (this.disconnects += 1));
		this.socket.on('connect', () => (this.connectedAt = Date.now()));
		this.socket.on('ready', () => {
			this.readyAt = Date.now();
			this.connects += 1;
			this.catchingUp = this.catchup()
				.then((done) => {
					if (done) this.caughtUpAt = Date.now();
				})
				.then(() => this.flush());
		});
	}

	private record(message: Message) {
		if (message.channelId !== this.channelId) return;
		const known = this.seen.get(message.seq);
		if (known && known !== message.id) throw new Error(`Two messages with seq ${message.seq}`);
		this.seen.set(message.seq, message.id);
	}

	lastSeq() {
		let seq = 0;
		while (this.seen.has(seq + 1)) seq += 1;
		return seq;
	}

	private ask<T extends object>(event: string, payload: unknown): Promise<Result<T> | null> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.timeouts += 1;
				resolve(null);
			}, this.ackTimeoutMs);
			(this.socket.emit as (event: string, ...args: unknown[]) => void)(
				event,
				payload,
				(result: Result<T>) => {
					clearTimeout(timer);
					resolve(result);
				}
			);
		});
	}

	/** Reads what was missed; true once the channel is read to its end. */
	async catchup(): Promise<boolean> {
		for (let attempt = 0; attempt < 20; attempt++) {
			if (!this.socket.connected) return false;
			const page = await this.ask<{ messages: Message[]; hasMore: boolean }>('channel:catchup', {
				channelId: this.channelId,
				afterSeq: this.lastSeq()
			});
			if (!page) return false;
			if (!page.ok) {
				this.count(page.error.code);
				await pause(page.error.retryAfterMs ?? 250);
				continue;
			}
			for (const message of page.messages) this.record(message);
			if (!page.hasMore) return true;
		}
		return false;
	}

	private count(code: string) {
		if (code === 'unavailable') this.lastUnavailableAt = Date.now();
		this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
	}

	write(body: string) {
		this.outbox.push({ clientId: randomUUID(), body });
		void this.flush();
	}

	/** Sends the outbox in order; anything unacknowledged stays for the next try. */
	async flush() {
		if (this.flushing) return;
		this.flushing = true;
		try {
			while (this.outbox.length > 0 && this.socket.connected) {
				const item = this.outbox[0];
				const answer = await this.ask<{ message: Message }>('message:send', {
					channelId: this.channelId,
					...item
				});
				if (!answer) continue;
				if (!answer.ok) {
					this.count(answer.error.code);
					if (answer.error.code === 'rate_limited' || answer.error.code === 'unavailable') {
						await pause(answer.error.retryAfterMs ?? 500);
						continue;
					}
					throw new Error(`Send refused: ${answer.error.code} ${answer.error.message}`);
				}
				const previous = this.acked.get(item.clientId);
				if (previous && previous.id !== answer.message.id) {
					throw new Error('A retry was acknowledged as a different message');
				}
				this.acked.set(item.clientId, { id: answer.message.id, seq: answer.message.seq });
				this.record(answer.message);
				this.outbox.shift();
			}
		} finally {
			this.flushing = false;
		}
	}

	async settle() {
		await this.catchingUp;
		await this.flush();
		await this.catchup();
	}
}

/** Sends until told to stop: each client writes every `everyMs`, spread evenly. */
export function chatLoad(clients: ChatClient[], everyMs: number) {
	let writing = true;
	let written = 0;
	const writers = clients.map(async (client, i) => {
		await pause((i * everyMs) / clients.length);
		while (writing) {
			client.write(`${client.name} says ${written++}`);
			await pause(everyMs);
		}
	});
	return {
		get written() {
			return written;
		},
		async stop() {
			writing = false;
			await Promise.all(writers);
		}
	};
}

/**
 * Waits until every client has sent its outbox and caught up (or throws after `ms`: a minute,
 * longer on a loaded machine, which sends an outage's backlog more slowly; at most 150 s).
 */
export async function settleAll(
	clients: ChatClient[],
	ms = Math.min(60_000 * contention(), 150_000)
) {
	const deadline = Date.now() + ms;
	for (;;) {
		await Promise.all(clients.map((client) => client.settle()));
		if (clients.every((c) => c.outbox.length === 0 && c.socket.connected)) break;
		if (Date.now() > deadline) {
			const waiting = clients.reduce((sum, c) => sum + c.outbox.length, 0);
			const offline = clients.filter((c) => !c.socket.connected).length;
			throw new Error(`Not settled: ${waiting} messages unsent, ${offline} clients offline`);
		}
		await pause(250);
	}
	await Promise.all(clients.map((client) => client.catchup()));
}

/**
 * What the database holds against what the clients were told: acknowledged messages missing,
 * stored twice (one client id, two rows), gaps in seq, and receivers missing or misplacing one.
 */
export async function audit(adminUrl: string, channelId: string, clients: ChatClient[]) {
	const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
	let stored: { id: string; seq: number; clientId: string }[];
	try {
		stored = await sql<{ id: string; seq: number; clientId: string }[]>`
			select id, seq::int as seq, client_id as "clientId" from public.messages
			where channel_id = ${channelId} order by seq`;
	} finally {
		await sql.end();
	}
	const byClientId = new Map(stored.map((m) => [m.clientId, m]));
	const acked = clients.flatMap((client) => [...client.acked.entries()]);
	const lost = acked.filter(([clientId, sent]) => {
		const row = byClientId.get(clientId);
		return !row || row.id !== sent.id || row.seq !== sent.seq;
	}).length;
	const duplicates = stored.length - byClientId.size;
	const gaps = stored.filter((m, i) => m.seq !== i + 1).length;
	const truth = new Map(stored.map((m) => [m.seq, m.id]));
	const receiversWrong = clients.filter((client) => {
		if (client.seen.size !== truth.size) return true;
		for (const [seq, id] of truth) if (client.seen.get(seq) !== id) return true;
		return false;
	}).length;
	return { stored: stored.length, acked: acked.length, lost, duplicates, gaps, receiversWrong };
}

export type HttpResult = { start: number; end: number; status: number };

/**
 * How long the slowest 1 in 20 answered (200) requests of the run took: what the load itself
 * costs on this machine. A 503 must come within 2 s of waiting for the database on top of that
 * (a CI run saw answered requests take 2.8 s while the test's own load filled both cores).
 */
export function answeredP95Ms(results: HttpResult[]): number {
	const times = results
		.filter((r) => r.status === 200)
		.map((r) => r.end - r.start)
		.sort((a, b) => a - b);
	return times.length ? times[Math.floor(times.length * 0.95)] : 0;
}

/**
 * Requests `path` at up to `perSecond`, with a session cookie and at most `maxInFlight` at once
 * (a tick with that many unanswered is skipped: the rate is what the server keeps up with, not a
 * queue that grows without end). Each request has 15 s (status 0: no answer). Records when each
 * started and ended and how it was answered.
 */
export function httpLoad(
	url: string,
	path: string,
	token: string,
	perSecond: number,
	maxInFlight = 32
) {
	const results: HttpResult[] = [];
	const inFlight = new Set<Promise<void>>();
	const headers = { cookie: `${SESSION_COOKIE}=${token}` };
	const tickMs = 20;
	const perTick = (perSecond * tickMs) / 1000;
	let owed = 0;
	let skipped = 0;
	const started = Date.now();
	const timer = setInterval(() => {
		owed += perTick;
		for (; owed >= 1; owed -= 1) {
			if (inFlight.size >= maxInFlight) {
				skipped += 1;
				continue;
			}
			const start = Date.now();
			const request = fetch(`${url}${path}`, { headers, signal: AbortSignal.timeout(15_000) })
				.then(
					async (response) => {
						await response.arrayBuffer();
						results.push({ start, end: Date.now(), status: response.status });
					},
					() => {
						results.push({ start, end: Date.now(), status: 0 });
					}
				)
				.finally(() => inFlight.delete(request));
			inFlight.add(request);
		}
	}, tickMs);
	let stopped = 0;
	return {
		results,
		get skipped() {
			return skipped;
		},
		/** Requests answered per second over the run. */
		get rate() {
			return Math.round((results.length * 1000) / ((stopped || Date.now()) - started));
		},
		async stop() {
			clearInterval(timer);
			stopped = Date.now();
			await Promise.all(inFlight);
		}
	};
}

/** Counts by status. */
export function byStatus(results: HttpResult[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const result of results) counts[result.status] = (counts[result.status] ?? 0) + 1;
	return counts;
}

export type HealthWatch = {
	/**
	 * Polls on until /healthz is all well or the recovery bound has passed (5 s after `since`,
	 * stretched by the machine's load), then stops: the last answer, and when it was first all well.
	 */
	stop(): Promise<{ health: Record<string, unknown>; okAfterMs: number | null }>;
};

/**
 * Polls /healthz every 100 ms from `since` (the last fault) and notes the first time it answers
 * `ok` with the LISTEN connection listening again: the listener's recovery time.
 */
export function watchHealth(url: string, since: number): HealthWatch {
	let stopped = false;
	let okAt: number | null = null;
	let last: Record<string, unknown> = {};
	const polling = (async () => {
		while (!stopped) {
			try {
				last = await fetch(`${url}/healthz`).then((r) => r.json());
				const listener = last.listener as { status?: string } | undefined;
				if (last.status === 'ok' && listener?.status === 'listening') okAt ??= Date.now();
				else okAt = null;
			} catch {
				okAt = null;
			}
			await pause(100);
		}
	})();
	return {
		async stop() {
			while (okAt === null && Date.now() < since + 5000 * contention()) await pause(100);
			stopped = true;
			await polling;
			return { health: last, okAfterMs: okAt === null ? null : Math.max(0, okAt - since) };
		}
	};
}
