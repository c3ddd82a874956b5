import * as organisations from '$lib/server/organisations';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const DELETE = endpoint(async (event, user) => {
	await organisations.removeMember(user, uuidParam(event, 'id'), uuidParam(event, 'userId'), 'api');
});

export const fallback = methodNotAllowed(['DELETE']);
