import { asService, type Tx } from '$lib/server/db';
import { passwordResetEmail, send } from '$lib/server/email';
import { DomainError, invalid } from '$lib/server/errors';
import { defineQueue } from '$lib/server/jobs';
import { closeSocketsOfUser } from '$lib/server/realtime/revoke';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/auth';
import { hashPassword, passwordWeakness } from './password';
import { invalidateUserSessions } from './session';
import { generateToken, hashToken } from './token';

/** The one answer to every reset request that passes validation, known email or not. */
export const RESET_SENT =
	'If an account uses that email, we sent it a link to choose a new password. The link works for one hour.';
export const RESET_DONE = 'Your password is changed. Sign in with it.';
const LINK_INVALID = 'This link has expired or was already used. Ask for a new one.';
const RESET_MINUTES = 60;

// Every request counts (not only failures): each one may send an email.
const RULES = {
	email: { limit: 3, windowSeconds: 60 * 60 },
	ip: { limit: 20, windowSeconds: 60 * 60 }
} as const;

/** The job that looks the email up and, for an account, sends the link. */
export const resetEmailQueue = defineQueue<{ email: string; origin: string }>({
	name: 'password-reset-email'
});

async function countResetRequest(tx: Tx, { email, ip }: { email: string; ip: string }) {
	let wait = 0;
	for (const [key, rule] of [
		[`reset-email:${email}`, RULES.email],
		[`reset-ip:${ip}`, RULES.ip]
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

/**
 * Asks for a password reset link. The request never looks the email up: it counts the attempt
 * (per email and per address) and queues a job, the same work and the same answer for an email
 * with an account and one without. The job sends the link only to an account's address.
 */
export async function requestReset(
	input: unknown,
	{ ip, origin }: { ip: string; origin: string }
): Promise<{ message: string }> {
	const { email } = parse(schemas.passwordResetRequest, input);
	const wait = await asService((tx) => countResetRequest(tx, { email, ip }));
	if (wait > 0) {
		const minutes = Math.ceil(wait / 60);
		throw new DomainError(
			429,
			'too_many_attempts',
			`Too many reset requests. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
			[],
			wait
		);
	}
	await resetEmailQueue.send({ email, origin });
	return { message: RESET_SENT };
}

/**
 * The job: for an active account with this email, stores the SHA-256 of a new token (valid for
 * an hour, once) and emails the link; for any other email, nothing.
 */
export async function sendResetEmail({ email, origin }: { email: string; origin: string }) {
	const token = generateToken();
	const mail = await asService(async (tx) => {
		const [user] = await tx<{ id: string; email: string }[]>`
			select id, email from public.users where email = ${email} and disabled_at is null`;
		if (!user) return null;
		await tx`delete from public.password_resets where user_id = ${user.id} and expires_at <= now()`;
		const [row] = await tx<{ expires_at: Date }[]>`
			insert into public.password_resets (token_hash, user_id, expires_at)
			values (${hashToken(token)}, ${user.id}, now() + make_interval(mins => ${RESET_MINUTES}))
			returning expires_at`;
		return passwordResetEmail({
			to: user.email,
			link: `${origin}/reset-password/${token}`,
			expiresAt: row.expires_at
		});
	});
	if (mail) await send(mail);
}

/** The email a still-valid reset link belongs to (the reset page shows it), or null. */
export async function pendingReset(token: string): Promise<{ email: string } | null> {
	if (token.length > 100) return null;
	const [row] = await asService(
		(tx) => tx<{ email: string }[]>`
			select u.email from public.password_resets r join public.users u on u.id = r.user_id
			where r.token_hash = ${hashToken(token)} and r.expires_at > now() and u.disabled_at is null`
	);
	return row ?? null;
}

/**
 * Follows a reset link: sets the new password, uses the link up (with every other link of the
 * person) and ends all of the person's sessions, closing their sockets. A weak password leaves the
 * link usable; an expired or used link changes nothing.
 */
export async function completeReset(input: unknown): Promise<{ message: string }> {
	const { token, password } = parse(schemas.passwordResetComplete, input);
	const pending = await pendingReset(token);
	if (!pending) throw new DomainError(410, 'link_invalid', LINK_INVALID);
	const weakness = passwordWeakness(password, pending.email);
	if (weakness) throw invalid(weakness, [{ path: 'password', message: weakness }]);
	const passwordHash = await hashPassword(password);
	const userId = await asService(async (tx) => {
		const [used] = await tx<{ user_id: string }[]>`
			delete from public.password_resets
			where token_hash = ${hashToken(token)} and expires_at > now()
			returning user_id`;
		if (!used) return null;
		await tx`delete from public.password_resets where user_id = ${used.user_id}`;
		await tx`
			insert into public.user_passwords (user_id, hash) values (${used.user_id}, ${passwordHash})
			on conflict (user_id) do update set hash = excluded.hash, updated_at = now()`;
		await invalidateUserSessions(tx, used.user_id);
		return used.user_id;
	});
	if (!userId) throw new DomainError(410, 'link_invalid', LINK_INVALID);
	closeSocketsOfUser(userId);
	return { message: RESET_DONE };
}
