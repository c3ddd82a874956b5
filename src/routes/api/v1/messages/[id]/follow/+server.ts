import * as chat from '$lib/server/chat';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';
import { parse } from '$lib/server/validate';
import { followBody } from '$lib/schemas/chat';

/** Follows (`{following: true}`) or unfollows a thread the caller may read. */
export const PUT = endpoint(async (event, user) => {
	const { following } = parse(followBody, await readJson(event));
	return chat.follow(user, { rootId: uuidParam(event, 'id'), following }, 'api');
});

export const fallback = methodNotAllowed(['PUT']);
