import * as accounts from '$lib/server/auth/accounts';
import { deleteSessionCookie } from '$lib/server/auth/session';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { DomainError } from '$lib/server/errors';

export const DELETE = endpoint(async (event) => {
	const session = event.locals.session;
	if (!session) {
		throw new DomainError(
			400,
			'no_session',
			'This request used a token, not a session: there is no session to end.'
		);
	}
	await accounts.signOut(session.id);
	deleteSessionCookie(event.cookies, event.url.protocol === 'https:');
});

export const fallback = methodNotAllowed(['DELETE']);
