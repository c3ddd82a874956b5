import * as notifications from '$lib/server/notifications';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';

/** Marks the caller's notifications read: `{ "ids": [...] }` or `{ "all": true }`. */
export const POST = endpoint(async (event, user) =>
	notifications.markRead(user, await readJson(event), event.locals.via)
);

export const fallback = methodNotAllowed(['POST']);
