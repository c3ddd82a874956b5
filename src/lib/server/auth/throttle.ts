import type { Tx } from '$lib/server/db';
import { generateToken, hashToken } from './token';

/**
 * Failed sign-ins, counted in the database so every app process sees the same counts
 * (decisions.md, Sessions). Three counters, each a delay that doubles rather than a lock:
 * - the account from this address: `free` failures cost nothing, each one after that makes
 *   the next attempt wait, `firstDelay` doubling up to `maxDelay`;
 * - the address, whatever the accounts: caps password spraying from one place;
 * - the account, from every address: slows a distributed guesser, but a browser the owner has
 *   signed in with before (its device cookie) skips it, so nobody can lock the owner out.
 * A counter starts again once it has been quiet for `quiet` seconds.
 */
export const RULES = {
	pair: { free: 5, firstDelay: 30, maxDelay: 15 * 60, quiet: 60 * 60 },
	ip: { free: 30, firstDelay: 15 * 60, maxDelay: 15 * 60, quiet: 15 * 60 },
	account: { free: 20, firstDelay: 30, maxDelay: 15 * 60, quiet: 60 * 60 }
} as const;

export type ThrottleKeys = { email: string; ip: string };

function keys({ email, ip }: ThrottleKeys) {
	const account = email.toLowerCase();
	return {
		pair: { key: `pair:${account}|${ip}`, ...RULES.pair },
		ip: { key: `ip:${ip}`, ...RULES.ip },
		account: { key: `email:${account}`, ...RULES.account }
	};
}

/**
 * Seconds until another attempt is allowed, or 0. From a known device of the account the
 * account-wide counter does not apply (the address's and the pair's still do).
 */
export async function secondsUntilAllowed(
	tx: Tx,
	who: ThrottleKeys,
	{ knownDevice = false }: { knownDevice?: boolean } = {}
): Promise<number> {
	const rules = keys(who);
	return secondsUntilAllowedFor(tx, [
		rules.pair.key,
		rules.ip.key,
		...(knownDevice ? [] : [rules.account.key])
	]);
}

/** A counter of failures: its key and how its waits grow (see RULES). */
export type ThrottleRule = {
	key: string;
	free: number;
	firstDelay: number;
	maxDelay: number;
	quiet: number;
};

/** Seconds until the longest wait of these counters ends, or 0 (any throttled action). */
export async function secondsUntilAllowedFor(tx: Tx, names: string[]): Promise<number> {
	const [row] = await tx<{ wait: number | null }[]>`
		select ceil(extract(epoch from max(locked_until) - now()))::int as wait
		from public.sign_in_throttle
		where key = any(${names}) and locked_until > now()`;
	return Math.max(0, row?.wait ?? 0);
}

export async function recordFailure(tx: Tx, who: ThrottleKeys): Promise<void> {
	await recordFailuresFor(tx, Object.values(keys(who)));
}

/** Counts one failure on each counter, making the next attempt wait once past its free ones. */
export async function recordFailuresFor(tx: Tx, rules: ThrottleRule[]): Promise<void> {
	for (const rule of rules) {
		await tx`
			insert into public.sign_in_throttle (key, failures, window_started_at)
			values (${rule.key}, 0, now()) on conflict (key) do nothing`;
		const [row] = await tx<{ failures: number; quiet: boolean }[]>`
			select failures,
			       coalesce(locked_until, window_started_at) < now() - make_interval(secs => ${rule.quiet}) as quiet
			from public.sign_in_throttle where key = ${rule.key} for update`;
		const restart = row.failures === 0 || row.quiet;
		const failures = restart ? 1 : row.failures + 1;
		const delay =
			failures >= rule.free
				? Math.min(rule.maxDelay, rule.firstDelay * 2 ** Math.min(failures - rule.free, 30))
				: null;
		await tx`
			update public.sign_in_throttle set
				failures = ${failures},
				window_started_at = case when ${restart} then now() else window_started_at end,
				locked_until = case when ${delay}::int is null then null
				                    else now() + make_interval(secs => ${delay}::int) end
			where key = ${rule.key}`;
	}
}

/** A successful sign-in clears its own address's counter for the account and the account's. */
export async function clearFailures(tx: Tx, who: ThrottleKeys): Promise<void> {
	const rules = keys(who);
	await tx`delete from public.sign_in_throttle where key in (${rules.pair.key}, ${rules.account.key})`;
}

/** Whether `deviceToken` (the device cookie) was set by a successful sign-in to this account. */
export async function isKnownDevice(
	tx: Tx,
	email: string,
	deviceToken: string | undefined
): Promise<boolean> {
	if (!deviceToken || deviceToken.length > 100) return false;
	const rows = await tx`
		select 1 from public.known_devices d join public.users u on u.id = d.user_id
		where d.token_hash = ${hashToken(deviceToken)} and u.email = ${email.toLowerCase()}`;
	return rows.length > 0;
}

/**
 * Remembers the browser of a successful sign-in: the same device token when it already belongs
 * to this user, else a new one (160 bits, only its SHA-256 kept) for the device cookie.
 */
export async function rememberDevice(
	tx: Tx,
	userId: string,
	deviceToken: string | undefined
): Promise<string> {
	if (deviceToken && deviceToken.length <= 100) {
		const kept = await tx`
			update public.known_devices set last_used_at = now()
			where token_hash = ${hashToken(deviceToken)} and user_id = ${userId} returning 1`;
		if (kept.length > 0) return deviceToken;
	}
	const token = generateToken();
	await tx`insert into public.known_devices (token_hash, user_id) values (${hashToken(token)}, ${userId})`;
	return token;
}
