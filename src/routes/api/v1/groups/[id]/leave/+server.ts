import * as memberships from '$lib/server/memberships';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The caller leaves a group they are directly in, where the group allows it. */
export const POST = endpoint(async (event, user) => {
	await memberships.leave(user, uuidParam(event, 'id'), 'api');
});

export const fallback = methodNotAllowed(['POST']);
