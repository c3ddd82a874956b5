import { asService, withUser, type Actor } from '$lib/server/db';
import { alreadyHaveAccountEmail, send, signUpLinkEmail } from '$lib/server/email';
import { DomainError, invalid } from '$lib/server/errors';
import { closeSocketsOfSessions, closeSocketsOfUser } from '$lib/server/realtime/revoke';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/auth';
import { hashPassword, passwordWeakness, verifyPasswordHash } from './password';
import {
	createSession,
	invalidateSession,
	invalidateUserSessions,
	type SessionUser
} from './session';
import { countSignUpAttempt } from './signup-throttle';
import {
	clearFailures,
	isKnownDevice,
	recordFailure,
	rememberDevice,
	secondsUntilAllowed
} from './throttle';
import { generateToken, hashToken } from './token';

const WRONG_CREDENTIALS = 'That email and password do not match an account.';

// Compared against when the email is unknown, so both answers take as long.
const DUMMY_HASH =
	'$argon2id$v=19$m=19456,t=2,p=1$0xx2w5JHmcL4RuAZcarWNg$4x25gOeYiz+nbNBwv8z0wYiTYcUYcwJ+c4eDTV+MNAc';

type UserRow = { id: string; email: string; display_name: string; platform_role: 'admin' | 'user' };

function toSessionUser(row: UserRow): SessionUser {
	return {
		id: row.id,
		email: row.email,
		displayName: row.display_name,
		platformRole: row.platform_role
	};
}

/** The one answer to every sign-up that passes validation, whether or not the email has an account. */
export const SIGN_UP_SENT = 'Check your email: we sent a link to finish signing up.';
const LINK_INVALID = 'This link has expired or was already used. Sign up again to get a new one.';
const PENDING_HOURS = 24;

/**
 * Starts a sign-up. The answer never says whether the email already has an account (issue 11):
 * a new email gets a confirmation link (the account is created when the link is followed), a known
 * one gets "you already have an account". Both paths hash the password and send one email, so
 * they take about as long; attempts are throttled per email and per address.
 */
export async function signUp(
	input: unknown,
	{ ip, origin }: { ip: string; origin: string }
): Promise<{ message: string }> {
	const { email, displayName, password } = parse(schemas.signUp, input);
	const weakness = passwordWeakness(password, email);
	if (weakness) throw invalid(weakness, [{ path: 'password', message: weakness }]);
	const wait = await asService((tx) => countSignUpAttempt(tx, { email, ip }));
	if (wait > 0) {
		const minutes = Math.ceil(wait / 60);
		throw new DomainError(
			429,
			'too_many_attempts',
			`Too many sign-up attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
			[],
			wait
		);
	}
	const passwordHash = await hashPassword(password);
	const token = generateToken();
	const mail = await asService(async (tx) => {
		const [existing] = await tx<
			{ id: string }[]
		>`select id from public.users where email = ${email}`;
		if (existing) return alreadyHaveAccountEmail({ to: email, origin });
		await tx`delete from public.pending_sign_ups where email = ${email} and expires_at <= now()`;
		const [row] = await tx<{ expires_at: Date }[]>`
			insert into public.pending_sign_ups (token_hash, email, display_name, password_hash, expires_at)
			values (${hashToken(token)}, ${email}, ${displayName}, ${passwordHash},
			        now() + make_interval(hours => ${PENDING_HOURS}))
			returning expires_at`;
		return signUpLinkEmail({
			to: email,
			link: `${origin}/signup/confirm/${token}`,
			expiresAt: row.expires_at
		});
	});
	// Sent after the commit. A failure is logged, not shown: showing it on one path only would
	// tell which path was taken, and the person can simply try again.
	try {
		await send(mail);
	} catch (error) {
		console.error('The sign-up email could not be sent', error);
	}
	return { message: SIGN_UP_SENT };
}

/** The email a still-valid sign-up link was sent to (the confirm page shows it), or null. */
export async function pendingSignUp(token: string): Promise<{ email: string } | null> {
	const [row] = await asService(
		(tx) => tx<{ email: string }[]>`
			select email from public.pending_sign_ups
			where token_hash = ${hashToken(token)} and expires_at > now()`
	);
	return row ?? null;
}

/**
 * Follows a sign-up link: creates the account and signs the person in. The link works once; an
 * expired or used link, or one for an email that meanwhile got an account, creates nothing.
 */
export async function confirmSignUp(token: string) {
	const created = await asService(async (tx) => {
		const [pending] = await tx<
			{ email: string; display_name: string; password_hash: string; live: boolean }[]
		>`
			delete from public.pending_sign_ups where token_hash = ${hashToken(token)}
			returning email, display_name, password_hash, expires_at > now() as live`;
		if (!pending?.live) return null;
		// Any other link for this email is void once the account exists.
		await tx`delete from public.pending_sign_ups where email = ${pending.email}`;
		const [user] = await tx<UserRow[]>`
			insert into public.users (email, display_name) values (${pending.email}, ${pending.display_name})
			on conflict (email) do nothing
			returning id, email, display_name, platform_role`;
		if (!user) return null;
		await tx`insert into public.user_passwords (user_id, hash) values (${user.id}, ${pending.password_hash})`;
		const { token: sessionToken, session } = await createSession(tx, user.id);
		return { user: toSessionUser(user), token: sessionToken, session };
	});
	if (!created) throw new DomainError(400, 'link_invalid', LINK_INVALID);
	return created;
}

/**
 * Signs in with email and password, throttled per account and address (throttle.ts). `deviceToken`
 * is the browser's device cookie; the answer carries the one to set (new, or the same kept).
 */
export async function signIn(
	input: unknown,
	ip: string,
	{ deviceToken }: { deviceToken?: string } = {}
) {
	const { email, password } = parse(schemas.signIn, input);
	const who = { email, ip };
	const wait = await asService(async (tx) =>
		secondsUntilAllowed(tx, who, { knownDevice: await isKnownDevice(tx, email, deviceToken) })
	);
	if (wait > 0) {
		const minutes = Math.ceil(wait / 60);
		throw new DomainError(
			429,
			'too_many_attempts',
			`Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
			[],
			wait
		);
	}
	const [row] = await asService(
		(tx) => tx<(UserRow & { hash: string; disabled_at: Date | null })[]>`
			select u.id, u.email, u.display_name, u.platform_role, u.disabled_at, p.hash
			from public.users u join public.user_passwords p on p.user_id = u.id
			where u.email = ${email}`
	);
	const matches = await verifyPasswordHash(row?.hash ?? DUMMY_HASH, password);
	if (!row || !matches || row.disabled_at) {
		await asService((tx) => recordFailure(tx, who));
		throw new DomainError(401, 'wrong_credentials', WRONG_CREDENTIALS);
	}
	return asService(async (tx) => {
		await clearFailures(tx, who);
		const { token, session } = await createSession(tx, row.id);
		const device = await rememberDevice(tx, row.id, deviceToken);
		// A learner event: "last seen" for leaders and staff (issue 6).
		await tx`insert into public.learner_events (user_id, kind) values (${row.id}, 'sign_in')`;
		return { user: toSessionUser(row), token, session, deviceToken: device };
	});
}

/** Changes the password and ends every other session of the user (their sockets close too). */
export async function changePassword(user: SessionUser, currentSessionId: string, input: unknown) {
	const { currentPassword, newPassword } = parse(schemas.changePassword, input);
	const [row] = await asService(
		(tx) =>
			tx<{ hash: string }[]>`select hash from public.user_passwords where user_id = ${user.id}`
	);
	if (!row || !(await verifyPasswordHash(row.hash, currentPassword))) {
		throw invalid('Your current password is not right.', [
			{ path: 'currentPassword', message: 'Your current password is not right.' }
		]);
	}
	const weakness = passwordWeakness(newPassword, user.email);
	if (weakness) throw invalid(weakness, [{ path: 'newPassword', message: weakness }]);
	const newHash = await hashPassword(newPassword);
	const ended = await asService(async (tx) => {
		await tx`update public.user_passwords set hash = ${newHash}, updated_at = now() where user_id = ${user.id}`;
		return invalidateUserSessions(tx, user.id, currentSessionId);
	});
	closeSocketsOfSessions(ended);
	return { endedSessions: ended.length };
}

/** Ends one session and closes the sockets it opened. */
export async function signOut(sessionId: string) {
	await invalidateSession(sessionId);
	closeSocketsOfSessions([sessionId]);
}

export async function signOutEverywhere(userId: string) {
	const ended = await asService((tx) => invalidateUserSessions(tx, userId));
	closeSocketsOfUser(userId);
	return { endedSessions: ended.length };
}

/** A platform admin disables (or re-enables) an account; a disabled account's sessions end at once. */
export async function setDisabled(actor: Actor, userId: string, disabled: boolean) {
	const rows = await withUser(
		actor,
		(tx) => tx`
			update public.users set disabled_at = ${disabled ? new Date() : null}
			where id = ${userId} and (select private.is_platform_admin())
			returning id`
	);
	if (rows.length === 0) {
		throw new DomainError(404, 'not_found', 'Not found, or you do not have access.');
	}
	if (disabled) {
		await asService((tx) => invalidateUserSessions(tx, userId));
		closeSocketsOfUser(userId);
	}
}

/** Creates a platform admin (the `npm run create-admin` command and first-run setup). */
export async function createAdmin(input: unknown) {
	const { email, displayName, password } = parse(schemas.signUp, input);
	const weakness = passwordWeakness(password, email);
	if (weakness) throw invalid(weakness);
	const passwordHash = await hashPassword(password);
	return asService(async (tx) => {
		const [user] = await tx<UserRow[]>`
			insert into public.users (email, display_name, platform_role) values (${email}, ${displayName}, 'admin')
			on conflict (email) do update set platform_role = 'admin'
			returning id, email, display_name, platform_role`;
		await tx`
			insert into public.user_passwords (user_id, hash) values (${user.id}, ${passwordHash})
			on conflict (user_id) do update set hash = excluded.hash, updated_at = now()`;
		return toSessionUser(user);
	});
}
