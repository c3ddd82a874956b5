import type { Tx } from '$lib/server/db';

// Failed sign-ins are counted in the database so every app process sees the same counts.
const RULES = {
	email: { limit: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
	ip: { limit: 30, windowSeconds: 15 * 60, lockSeconds: 15 * 60 }
} as const;

export type ThrottleKeys = { email: string; ip: string };

function keys({ email, ip }: ThrottleKeys) {
	return [
		{ key: `email:${email.toLowerCase()}`, ...RULES.email },
		{ key: `ip:${ip}`, ...RULES.ip }
	];
}

/** Seconds until another attempt is allowed, or 0. */
export async function secondsUntilAllowed(tx: Tx, who: ThrottleKeys): Promise<number> {
	const names = keys(who).map((rule) => rule.key);
	const [row] = await tx<{ wait: number | null }[]>`
		select ceil(extract(epoch from max(locked_until) - now()))::int as wait
		from public.sign_in_throttle
		where key = any(${names}) and locked_until > now()`;
	return Math.max(0, row?.wait ?? 0);
}

export async function recordFailure(tx: Tx, who: ThrottleKeys): Promise<void> {
	for (const rule of keys(who)) {
		await tx`
			insert into public.sign_in_throttle as t (key, failures, window_started_at)
			values (${rule.key}, 1, now())
			on conflict (key) do update set
				failures = case when t.window_started_at < now() - make_interval(secs => ${rule.windowSeconds})
					then 1 else t.failures + 1 end,
				window_started_at = case when t.window_started_at < now() - make_interval(secs => ${rule.windowSeconds})
					then now() else t.window_started_at end,
				locked_until = case
					when t.window_started_at >= now() - make_interval(secs => ${rule.windowSeconds})
					     and t.failures + 1 >= ${rule.limit}
					then now() + make_interval(secs => ${rule.lockSeconds})
					else t.locked_until end`;
	}
}

export async function clearFailures(tx: Tx, email: string): Promise<void> {
	await tx`delete from public.sign_in_throttle where key = ${`email:${email.toLowerCase()}`}`;
}
