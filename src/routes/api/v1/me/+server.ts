import * as users from '$lib/server/users';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';

export const GET = endpoint(async (event, user) => ({
	...user,
	...(await users.settings(user)),
	authenticatedWith: event.locals.session ? 'session' : 'token'
}));

/** Changes the caller's own settings: `{ "timeZone": "Europe/Paris" }`. */
export const PATCH = endpoint(async (event, user) =>
	users.updateSettings(user, await readJson(event), event.locals.via)
);

export const fallback = methodNotAllowed(['GET', 'PATCH']);
