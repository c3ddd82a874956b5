import * as invites from '$lib/server/memberships/invites';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const DELETE = endpoint(async (event, user) => {
	await invites.revoke(user, uuidParam(event, 'id'), 'api');
});

export const fallback = methodNotAllowed(['DELETE']);
