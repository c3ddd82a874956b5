import * as chat from '$lib/server/chat';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { parseQuery, uuidParam } from '$lib/server/api/input';
import { threadQuery } from '$lib/schemas/chat';

/** A thread: its root message, its replies after `?afterSeq=` (ascending), whether the caller follows it. */
export const GET = endpoint(async (event, user) => {
	const query = parseQuery(event, threadQuery);
	return chat.thread(user, { rootId: uuidParam(event, 'id'), ...query });
});

export const fallback = methodNotAllowed(['GET']);
