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

/** The pool of the app's login role, which owns nothing and can only act through withUser/asService. */
export function pool(): postgres.Sql {
	store[POOL] ??= postgres(appDatabaseUrl(), {
		max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
		idle_timeout: 30,
		// Transaction poolers (Supabase's port 6543) cannot keep prepared statements.
		prepare: process.env.DATABASE_PREPARE !== 'false',
		onnotice: () => {},
		connection: { application_name: 'tessera' }
	});
	return store[POOL];
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
	const connection = await pool().reserve();
	let released = false;
	const release = () => {
		if (!released) {
			released = true;
			connection.release();
		}
	};
	try {
		const begin = (readOnly ? connection`begin read only` : connection`begin`).execute();
		const context = connection`
			select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
			       set_config('role', ${role}, true)`.execute();
		begin.catch(noop);
		context.catch(noop);
		const result = await fn(connection);
		await begin;
		await context;
		if (readOnly) {
			connection`commit`.execute().then(release, release);
		} else {
			await connection`commit`;
			release();
		}
		return result;
	} catch (error) {
		await connection`rollback`.catch(noop);
		release();
		throw error;
	}
}

function claimsFor(actor: Actor, via: Via) {
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
