import * as directMessages from '$lib/server/direct-messages';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';

/** People the caller may message whose name contains `?q=` (at most 20; names, never emails). */
export const GET = endpoint((event, user) =>
	directMessages.contacts(user, Object.fromEntries(event.url.searchParams))
);

export const fallback = methodNotAllowed(['GET']);
