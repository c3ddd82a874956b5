import type { Cookies } from '@sveltejs/kit';
import { asService, type Tx } from '$lib/server/db';
import { generateToken, hashToken } from './token';

export const SESSION_COOKIE = 'tessera_session';

export type SessionUser = {
	id: string;
	email: string;
	displayName: string;
	platformRole: 'admin' | 'user';
	/** The person's IANA time zone, null until chosen (src/lib/time.ts). Sessions carry it. */
	timeZone?: string | null;
};

export type Session = { id: string; userId: string; expiresAt: Date; lastSeenAt: Date };

/** Seconds; overridable so tests can watch a session expire. */
export function sessionLimits() {
	return {
		absolute: Number(process.env.SESSION_MAX_SECONDS ?? 30 * 24 * 3600),
		idle: Number(process.env.SESSION_IDLE_SECONDS ?? 7 * 24 * 3600)
	};
}

// last_seen_at is written at most once a minute, so browsing does not write on every request.
const TOUCH_AFTER_MS = 60_000;

export async function createSession(
	tx: Tx,
	userId: string
): Promise<{ token: string; session: Session }> {
	const token = generateToken();
	const id = hashToken(token);
	const { absolute } = sessionLimits();
	const [row] = await tx<{ expires_at: Date; last_seen_at: Date }[]>`
		insert into public.sessions (id, user_id, expires_at)
		values (${id}, ${userId}, now() + make_interval(secs => ${absolute}))
		returning expires_at, last_seen_at`;
	// Starting a session (a sign-in, a confirmed sign-up) is activity, like every page after it.
	await tx`select private.touch_activity(${userId})`;
	return {
		token,
		session: { id, userId, expiresAt: row.expires_at, lastSeenAt: row.last_seen_at }
	};
}

/** The session and its user, or nulls when the token is unknown, expired, idle too long or the user is disabled. */
export function validateSessionToken(
	token: string
): Promise<{ session: Session; user: SessionUser } | { session: null; user: null }> {
	return validateSession(hashToken(token));
}

/** When a session ends unless it is used again: its absolute end or its idle end, whichever is first. */
export function sessionEndsAt(session: Session): Date {
	const idleEnd = session.lastSeenAt.getTime() + sessionLimits().idle * 1000;
	return new Date(Math.min(session.expiresAt.getTime(), idleEnd));
}

/** Checks a session by its id (the token's hash), as validateSessionToken does. */
export async function validateSession(
	id: string
): Promise<{ session: Session; user: SessionUser } | { session: null; user: null }> {
	const { idle } = sessionLimits();
	return asService(async (tx) => {
		const [row] = await tx<
			{
				user_id: string;
				expires_at: Date;
				last_seen_at: Date;
				email: string;
				display_name: string;
				platform_role: 'admin' | 'user';
				time_zone: string | null;
				live: boolean;
			}[]
		>`
			select s.user_id, s.expires_at, s.last_seen_at, u.email, u.display_name, u.platform_role, u.time_zone,
			       s.expires_at > now() and s.last_seen_at > now() - make_interval(secs => ${idle})
			         and u.disabled_at is null as live
			from public.sessions s join public.users u on u.id = s.user_id
			where s.id = ${id}`;
		if (!row) return { session: null, user: null };
		if (!row.live) {
			await tx`delete from public.sessions where id = ${id}`;
			return { session: null, user: null };
		}
		let lastSeenAt = row.last_seen_at;
		if (Date.now() - lastSeenAt.getTime() > TOUCH_AFTER_MS) {
			[{ last_seen_at: lastSeenAt }] = await tx<{ last_seen_at: Date }[]>`
				update public.sessions set last_seen_at = now() where id = ${id} returning last_seen_at`;
			// "Last activity" for leaders and staff: at most one write per person every five minutes.
			await tx`select private.touch_activity(${row.user_id})`;
		}
		return {
			session: { id, userId: row.user_id, expiresAt: row.expires_at, lastSeenAt },
			user: {
				id: row.user_id,
				email: row.email,
				displayName: row.display_name,
				platformRole: row.platform_role,
				timeZone: row.time_zone
			}
		};
	});
}

export async function invalidateSession(sessionId: string): Promise<void> {
	await asService((tx) => tx`delete from public.sessions where id = ${sessionId}`);
}

/** Ends every session of a user, or every one but `keepSessionId`. Returns the ended ids. */
export async function invalidateUserSessions(
	tx: Tx,
	userId: string,
	keepSessionId?: string
): Promise<string[]> {
	const rows = await tx<{ id: string }[]>`
		delete from public.sessions
		where user_id = ${userId} and id is distinct from ${keepSessionId ?? null}
		returning id`;
	return rows.map((row) => row.id);
}

export function setSessionCookie(
	cookies: Cookies,
	token: string,
	expiresAt: Date,
	secure: boolean
) {
	cookies.set(SESSION_COOKIE, token, {
		httpOnly: true,
		sameSite: 'lax',
		secure,
		path: '/',
		expires: expiresAt
	});
}

export function deleteSessionCookie(cookies: Cookies, secure: boolean) {
	cookies.delete(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
}

/**
 * The device cookie: set after a successful sign-in, it lets this browser skip the account-wide
 * sign-in delay that failures from elsewhere cause (throttle.ts). A year, HttpOnly, not a session.
 */
export const DEVICE_COOKIE = 'tessera_device';

export function setDeviceCookie(cookies: Cookies, token: string, secure: boolean) {
	cookies.set(DEVICE_COOKIE, token, {
		httpOnly: true,
		sameSite: 'lax',
		secure,
		path: '/',
		maxAge: 365 * 24 * 3600
	});
}
