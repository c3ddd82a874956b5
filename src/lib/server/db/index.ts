import postgres from 'postgres';

/** A connection inside a transaction bound to one user (or to the system). */
export type Tx = postgres.Sql;

/** Who a transaction acts for. `null` is an anonymous visitor. */
export type Actor = { id: string; email?: string } | null;

/** How a change reached us, recorded in the audit log. */
export type Via = 'app' | 'api' | 'csv' | 'socket' | 'system';

const POOL = Symbol.for('tessera.db.pool');
const store = globalThis as unknown as Record<symbol, postgres.Sql | undefined>;

function appDatabaseUrl() {
	const url = process.env.TESSERA_APP_DATABASE_URL;
	if (!url) {
		throw new Error(
			'TESSERA_APP_DATABASE_URL is not set: start the app with `npm run dev` or `npm start`, ' +
				'which open the database and set it.'
		);
	}
	return url;
}

/** The size of the pool as it was made (DATABASE_POOL_SIZE, 10 by default). */
let poolSize = 10;

/** The pool of the app's login role, which owns nothing and can only act through withUser/asService. */
export function pool(): postgres.Sql {
	if (!store[POOL]) poolSize = Number(process.env.DATABASE_POOL_SIZE ?? 10);
	store[POOL] ??= postgres(appDatabaseUrl(), {
		max: poolSize,
		idle_timeout: 30,
		// A database that does not answer fails a request in seconds (503), not after the default 30 s.
		connect_timeout: Number(process.env.DATABASE_CONNECT_TIMEOUT ?? 2),
		// postgres.js waits up to 20 s between attempts after a few failures (3^n / 100 s): a
		// Postgres back after a restart would wait that long for us. Retry within half a second.
		backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
		// Transaction poolers (Supabase's port 6543) cannot keep prepared statements.
		prepare: process.env.DATABASE_PREPARE !== 'false',
		onnotice: () => {},
		onclose: connectionClosed,
		connection: { application_name: 'tessera' }
	});
	ignoreTypeFetchFailures();
	return store[POOL];
}

/**
 * postgres.js reads the array types on every new connection, in a promise nobody handles: a
 * connection ended during that read (a restart, pg_terminate_backend) would be an unhandled
 * rejection and end the process. That one failure is logged; any other unhandled rejection still
 * ends the process, as Node does by default.
 */
function ignoreTypeFetchFailures() {
	const INSTALLED = Symbol.for('tessera.db.typeFetchGuard');
	const flags = globalThis as unknown as Record<symbol, boolean | undefined>;
	if (flags[INSTALLED]) return;
	flags[INSTALLED] = true;
	process.on('unhandledRejection', (reason) => {
		const query = (reason as { query?: unknown } | null)?.query;
		if (
			isConnectionFailure(reason) &&
			typeof query === 'string' &&
			query.includes('pg_catalog.pg_type')
		) {
			console.error(
				'A new database connection closed while it was being set up; it will reconnect.'
			);
			return;
		}
		throw reason;
	});
}

export async function closePool() {
	const sql = store[POOL];
	store[POOL] = undefined;
	await sql?.end({ timeout: 5 });
}

const noop = () => {};

/**
 * One transaction on one connection: BEGIN and the claims are pipelined with the first queries
 * of `fn`, so a request pays one extra round trip (COMMIT) over running its SQL bare. The claims
 * and the role are transaction-local (set_config(…, true)), never left on the connection.
 *
 * A read-only transaction has nothing to make durable, so its COMMIT is sent without waiting
 * for the answer: the result returns after one round trip, and the connection goes back to the
 * pool only once the COMMIT has completed.
 */
async function transaction<T>(
	claims: Record<string, unknown>,
	role: 'anon' | 'authenticated' | 'service_role',
	fn: (tx: Tx) => Promise<T>,
	readOnly = false
): Promise<T> {
	const deadline = Date.now() + WAIT_FOR_CONNECTIONS_MS;
	try {
		const result = await attempt(claims, role, fn, readOnly, deadline);
		downSince = null;
		return result;
	} catch (error) {
		if (!isConnectionFailure(error)) throw error;
		downSince ??= Date.now();
		// A read can run again on a fresh connection (the pool may have held one the server had
		// already closed), within what is left of the wait; a write might have committed, so it is
		// not repeated here.
		const code = String((error as { code?: unknown }).code);
		if (readOnly && DIED_IN_USE.has(code) && deadline - Date.now() >= LAST_TRY_MS) {
			try {
				return await attempt(claims, role, fn, readOnly, deadline);
			} catch (again) {
				if (isConnectionFailure(again)) throw new DatabaseUnavailable(again);
				throw again;
			}
		}
		throw new DatabaseUnavailable(error);
	}
}

/** Since when transactions fail for want of the database (null: the last one worked). */
let downSince: number | null = null;

/** A connection that was working and was closed under us: a fresh one may well work. */
const DIED_IN_USE = new Set([
	'CONNECTION_CLOSED',
	'CONNECTION_DESTROYED',
	'ECONNRESET',
	'EPIPE',
	'57P01'
]);

/** Connections of the pool reserved by transactions now (released ones are not counted). */
let reserved = 0;

/**
 * How long one transaction waits in all for pool connections when the database fails it (its
 * retry included), so that the 503 reaches the client within 2 s with room for the request's own
 * work on a loaded machine (a CI run measured 2.4 s with 2 s here).
 */
const WAIT_FOR_CONNECTIONS_MS = 1600;
/** The shortest try worth making: a fresh connection of a live database comes in far less. */
const LAST_TRY_MS = 300;

/**
 * A connection of the pool, by `deadline` (then 503 with Retry-After): while the database is
 * known to be down, one try until then; otherwise a try of 1 s and a second with what is left,
 * because postgres.js drops a waiting reservation when the connection it was handed to closes
 * first (terminated backends), and asking again gets a fresh connection at once.
 *
 * One case waits longer: every connection of the pool is reserved and nothing has failed for
 * want of the database. That is a queue behind working transactions, not an outage, and on a
 * loaded machine it may last seconds; it is waited out (in tries of 1.5 s, for the reason above)
 * for up to DATABASE_QUEUE_TIMEOUT_MS (10 s). A fresh-clone CI run beside busy processes saw 2 s
 * refuse work the database would have done. Once a transaction fails for want of the database,
 * the waiting stops and the 503 comes at once.
 */
async function reserve(deadline: number): Promise<postgres.ReservedSql> {
	const left = () => Math.max(LAST_TRY_MS, deadline - Date.now());
	if (downSince !== null) return reserveWithin(left());
	const queueDeadline = Date.now() + Number(process.env.DATABASE_QUEUE_TIMEOUT_MS ?? 10_000);
	try {
		return await reserveWithin(Math.min(1000, left()));
	} catch {
		// Asked again below.
	}
	while (reserved >= poolSize && downSince === null && Date.now() < queueDeadline) {
		try {
			return await reserveWithin(Math.min(1500, Math.max(1, queueDeadline - Date.now())));
		} catch {
			// Still queued, or the database went away meanwhile: the loop's condition decides.
		}
	}
	return reserveWithin(left());
}

/** Waiting reservations, woken when a connection of the pool closes (see reserveWithin). */
const waiting = new Set<() => void>();

/** Wakes every waiting reservation: one of them may have been handed the connection that closed. */
function connectionClosed() {
	for (const wake of [...waiting]) wake();
}

/**
 * A connection within `ms`. postgres.js drops a waiting reservation when the connection it was
 * handed closes before it is ready (a terminated backend, a restart); the wait would then run out
 * for nothing. So a close in the pool wakes every waiter, which asks again at once (at most every
 * 50 ms, so a database that refuses every connection is not asked in a busy loop); a reservation
 * given up on is released whenever it does arrive.
 */
async function reserveWithin(ms: number): Promise<postgres.ReservedSql> {
	const until = Date.now() + ms;
	for (;;) {
		const asked = Date.now();
		try {
			return await reserveOnce(until - asked);
		} catch (error) {
			if ((error as { code?: unknown }).code !== 'RESERVATION_DROPPED') throw error;
			await new Promise((resolve) => setTimeout(resolve, Math.max(0, asked + 50 - Date.now())));
			if (Date.now() >= until) throw noConnection();
		}
	}
}

function noConnection() {
	return Object.assign(new Error('No database connection.'), { code: 'CONNECT_TIMEOUT' });
}

async function reserveOnce(ms: number): Promise<postgres.ReservedSql> {
	const reserving = pool().reserve();
	let timer: ReturnType<typeof setTimeout> | undefined;
	let wake = noop;
	const stopped = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(noConnection()), ms);
		wake = () => reject(Object.assign(new Error('Dropped.'), { code: 'RESERVATION_DROPPED' }));
		waiting.add(wake);
	});
	try {
		return await Promise.race([reserving, stopped]);
	} catch (error) {
		reserving.then((connection) => connection.release(), noop);
		throw error;
	} finally {
		clearTimeout(timer);
		waiting.delete(wake);
	}
}

async function attempt<T>(
	claims: Record<string, unknown>,
	role: 'anon' | 'authenticated' | 'service_role',
	fn: (tx: Tx) => Promise<T>,
	readOnly: boolean,
	deadline: number
): Promise<T> {
	const connection = await reserve(deadline);
	reserved += 1;
	let released = false;
	let onLost: (error: unknown) => void = noop;
	const closed = new Promise<never>((_, reject) => (onLost = reject));
	closed.catch(noop);
	const lost = {
		value: false,
		// A query in flight when the connection closed may never settle: give up on it.
		notify: () =>
			onLost(Object.assign(new Error('The connection closed.'), { code: 'CONNECTION_CLOSED' }))
	};
	const release = () => {
		if (released) return;
		released = true;
		reserved -= 1;
		// A closed connection is already back in the pool's closed queue; releasing it would put it
		// among the open ones, and the next query on it would crash the process.
		if (!lost.value) connection.release();
	};
	try {
		const beginQuery = connection.unsafe(readOnly ? 'begin read only' : 'begin', [], {
			onexecute: (raw: RawConnection) => guardReserved(raw, beginQuery, lost)
		} as postgres.UnsafeQueryOptions);
		const begin = beginQuery.execute();
		const context = connection`
			select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
			       set_config('role', ${role}, true)`.execute();
		begin.catch(noop);
		context.catch(noop);
		const result = await Promise.race([fn(connection), closed]);
		await Promise.race([begin, closed]);
		await Promise.race([context, closed]);
		if (readOnly) {
			connection`commit`.execute().then(release, release);
		} else {
			await Promise.race([connection`commit`.execute(), closed]);
			release();
		}
		return result;
	} catch (error) {
		// A server that ended the connection (57P01) sends that first and closes the socket next:
		// the rollback may never be answered. Give it two seconds; unanswered, the connection is
		// not handed back (closed, the pool reconnects it; stuck, it is better lost than reused).
		if (!lost.value) {
			let timer: ReturnType<typeof setTimeout> | undefined;
			const rolledBack = await Promise.race([
				connection`rollback`.execute().then(
					() => true,
					() => false
				),
				closed.catch(() => false),
				new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2000)))
			]);
			clearTimeout(timer);
			if (!rolledBack) lost.value = true;
		}
		release();
		throw error;
	}
}

type RawQuery = { handler: unknown; reject: (error: unknown) => void };
type RawConnection = { execute: (query: RawQuery) => unknown; onclose?: unknown };

const guarded = new WeakSet<RawConnection>();
const closedHandlers = new WeakSet<object>();

/**
 * postgres.js 3.4.9 crashes the process (an uncaught TypeError in `nextWrite`) when a query is
 * sent on a reserved connection after its socket closed (porsager/postgres#1208: a terminated
 * backend, a Postgres restart). Once this reservation's connection closes, its later queries are
 * refused with CONNECTION_CLOSED instead; other users of the connection object are untouched
 * (a query carries the handler of the reservation that made it).
 */
function guardReserved(
	raw: RawConnection,
	first: unknown,
	lost: { value: boolean; notify: () => void }
) {
	const handler = (first as RawQuery).handler;
	if (!guarded.has(raw)) {
		guarded.add(raw);
		const execute = raw.execute;
		raw.execute = (query: RawQuery) => {
			if (!closedHandlers.has(query.handler as object)) return execute(query);
			query.reject(
				Object.assign(new Error('The connection closed.'), { code: 'CONNECTION_CLOSED' })
			);
			return true;
		};
	}
	raw.onclose = () => {
		lost.value = true;
		closedHandlers.add(handler as object);
		lost.notify();
	};
	return true;
}

/**
 * The database could not be reached or dropped the connection: nothing the caller did wrong,
 * worth a retry in a moment. Pages and the API answer 503, sockets a retryable `unavailable`.
 */
export const DATABASE_DOWN_MESSAGE =
	'The database is not answering right now. Try again in a moment.';

export class DatabaseUnavailable extends Error {
	constructor(cause: unknown) {
		super(DATABASE_DOWN_MESSAGE, { cause });
		this.name = 'DatabaseUnavailable';
	}
}

/** Socket-level failures (postgres.js and Node codes) and the server's connection errors. */
const CONNECTION_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'EPIPE',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'CONNECT_TIMEOUT',
	'CONNECTION_CLOSED',
	'CONNECTION_ENDED',
	'CONNECTION_DESTROYED',
	'57P01', // admin_shutdown: terminated by pg_terminate_backend or a fast shutdown
	'57P02', // crash_shutdown
	'57P03', // cannot_connect_now: starting up or shutting down
	'53300' // too_many_connections
]);

/** Whether `error` says the database went away (rather than refused what was asked). */
export function isConnectionFailure(error: unknown): boolean {
	if (error instanceof DatabaseUnavailable) return true;
	const code = (error as { code?: unknown } | null)?.code;
	if (typeof code !== 'string') return false;
	return CONNECTION_CODES.has(code) || code.startsWith('08');
}

/** The JWT claims a transaction of `actor` runs under (auth.uid(), auth.role(), the channel). */
export function claimsFor(actor: Actor, via: Via) {
	return actor
		? { sub: actor.id, email: actor.email, role: 'authenticated', aud: 'authenticated', via }
		: { role: 'anon', via };
}

/** Runs `fn` as `actor` under row-level security: auth.uid() is the actor, policies decide. */
export function withUser<T>(
	actor: Actor,
	fn: (tx: Tx) => Promise<T>,
	via: Via = 'app'
): Promise<T> {
	return transaction(claimsFor(actor, via), actor ? 'authenticated' : 'anon', fn);
}

/**
 * Like withUser for reads only (the transaction is READ ONLY; a write in `fn` fails): pages and
 * API reads use it to answer one round trip sooner.
 */
export function readAs<T>(actor: Actor, fn: (tx: Tx) => Promise<T>): Promise<T> {
	return transaction(claimsFor(actor, 'app'), actor ? 'authenticated' : 'anon', fn, true);
}

/** Runs `fn` as the system (service_role): sign-in, session checks, background jobs. */
export function asService<T>(fn: (tx: Tx) => Promise<T>, via: Via = 'system'): Promise<T> {
	return transaction({ role: 'service_role', via }, 'service_role', fn);
}

/** Postgres error codes the domain turns into clear messages. */
export const PG = {
	uniqueViolation: '23505',
	foreignKeyViolation: '23503',
	checkViolation: '23514',
	insufficientPrivilege: '42501',
	invalidTextRepresentation: '22P02'
} as const;

export function isPgError(error: unknown, code?: string): error is postgres.PostgresError {
	return error instanceof postgres.PostgresError && (code === undefined || error.code === code);
}

/** Runs a write again when Postgres aborts it as one side of a deadlock. */
export async function retryDeadlock<T>(fn: () => Promise<T>): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await fn();
		} catch (error) {
			// Two learners swapping groups of an exclusive grouping with automatic leaders, or a
			// staff add moving a learner while others sign up, lock the groups in opposite orders;
			// Postgres aborts one, which simply tries again.
			if (attempt < 4 && isPgError(error, '40P01')) continue;
			throw error;
		}
	}
}

/** The size-limit trigger (private.group_members_enforce_limit) refuses with this hint. */
export function isGroupFull(error: unknown): boolean {
	return isPgError(error, PG.checkViolation) && error.hint === 'group_full';
}

/** An ILIKE pattern matching `text` anywhere, with LIKE's wildcards in it taken literally. */
export function containsPattern(text: string, maxLength = 200): string {
	return `%${text
		.trim()
		.slice(0, maxLength)
		.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}
