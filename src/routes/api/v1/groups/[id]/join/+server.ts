import * as memberships from '$lib/server/memberships';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The caller joins an open group. */
export const POST = endpoint(async (event, user) =>
	memberships.join(user, uuidParam(event, 'id'), 'api')
);

export const fallback = methodNotAllowed(['POST']);
