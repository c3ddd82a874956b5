import * as requests from '$lib/server/memberships/requests';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The caller withdraws their own pending request. */
export const DELETE = endpoint(async (event, user) => {
	await requests.withdraw(user, uuidParam(event, 'id'), 'api');
});

export const fallback = methodNotAllowed(['DELETE']);
