import * as accounts from '$lib/server/auth/accounts';
import { setSessionCookie } from '$lib/server/auth/session';
import { methodNotAllowed, publicEndpoint, readJson } from '$lib/server/api/respond';

/** Signs in with email and password (throttled per account and per address) and sets the session cookie. */
export const POST = publicEndpoint(
	async (event) => {
		const { user, token, session } = await accounts.signIn(
			await readJson(event),
			event.getClientAddress()
		);
		setSessionCookie(event.cookies, token, session.expiresAt, event.url.protocol === 'https:');
		return { user, expiresAt: session.expiresAt };
	},
	{ status: 201 }
);

export const fallback = methodNotAllowed(['POST']);
