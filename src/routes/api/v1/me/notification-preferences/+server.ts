import * as notifications from '$lib/server/notifications';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';

/** How the caller gets each kind of notification: in_app, email, digest or off. */
export const GET = endpoint(async (_event, user) => ({
	items: await notifications.preferences(user)
}));

/** Changes the kinds given (`{ "mention": "digest" }`); the others stay as they are. */
export const PUT = endpoint(async (event, user) => ({
	items: await notifications.setPreferences(user, await readJson(event), event.locals.via)
}));

export const fallback = methodNotAllowed(['GET', 'PUT']);
