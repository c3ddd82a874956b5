import * as users from '$lib/server/users';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';

/** The browser's zone, kept only when the caller has none yet (the app sends it on first visit). */
export const PUT = endpoint(async (event, user) =>
	users.adoptBrowserTimeZone(user, await readJson(event))
);

export const fallback = methodNotAllowed(['PUT']);
