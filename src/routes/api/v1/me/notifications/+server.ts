import * as notifications from '$lib/server/notifications';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';

/**
 * The caller's notifications, newest first, with their unread count: `?limit=` (1–100, 30 by
 * default), `?before=<id>` (the next page), `?unread=true` (unread only).
 */
export const GET = endpoint((event, user) =>
	notifications.list(user, Object.fromEntries(event.url.searchParams))
);

export const fallback = methodNotAllowed(['GET']);
