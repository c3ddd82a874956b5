import type { Tx } from '$lib/server/db';

// Sign-up attempts share the sign-in throttle's table under their own keys. Every attempt counts
// (not only failures): each one sends an email, so this is what keeps an inbox from being flooded.
const RULES = {
	email: { limit: 3, windowSeconds: 60 * 60 },
	ip: { limit: 20, windowSeconds: 60 * 60 }
} as const;

/**
 * Counts one sign-up attempt for the email and for the address; returns the seconds until another
 * is allowed (0: this one may go ahead). Known and unknown emails are counted alike.
 */
export async function countSignUpAttempt(
	tx: Tx,
	{ email, ip }: { email: string; ip: string }
): Promise<number> {
	let wait = 0;
	for (const [key, rule] of [
		[`signup-email:${email.toLowerCase()}`, RULES.email],
		[`signup-ip:${ip}`, RULES.ip]
	] as const) {
		const [row] = await tx<{ attempts: number; wait: number }[]>`
			insert into public.sign_in_throttle as t (key, failures, window_started_at)
			values (${key}, 1, now())
			on conflict (key) do update set
				failures = case when t.window_started_at < now() - make_interval(secs => ${rule.windowSeconds})
					then 1 else t.failures + 1 end,
				window_started_at = case when t.window_started_at < now() - make_interval(secs => ${rule.windowSeconds})
					then now() else t.window_started_at end
			returning failures as attempts,
				ceil(extract(epoch from window_started_at + make_interval(secs => ${rule.windowSeconds}) - now()))::int as wait`;
		if (row.attempts > rule.limit) wait = Math.max(wait, row.wait, 1);
	}
	return wait;
}
