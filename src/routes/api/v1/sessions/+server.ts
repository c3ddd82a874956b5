import * as accounts from '$lib/server/auth/accounts';
import { DEVICE_COOKIE, setDeviceCookie, setSessionCookie } from '$lib/server/auth/session';
import { methodNotAllowed, publicEndpoint, readJson } from '$lib/server/api/respond';

/** Signs in with email and password (throttled per account and per address) and sets the session cookie. */
export const POST = publicEndpoint(
	async (event) => {
		const { user, token, session, deviceToken } = await accounts.signIn(
			await readJson(event),
			event.getClientAddress(),
			{ deviceToken: event.cookies.get(DEVICE_COOKIE) }
		);
		const secure = event.url.protocol === 'https:';
		setSessionCookie(event.cookies, token, session.expiresAt, secure);
		setDeviceCookie(event.cookies, deviceToken, secure);
		return { user, expiresAt: session.expiresAt };
	},
	{ status: 201 }
);

export const fallback = methodNotAllowed(['POST']);
