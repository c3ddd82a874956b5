import * as memberships from '$lib/server/memberships';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const DELETE = endpoint(async (event, user) => {
	await memberships.remove(
		user,
		uuidParam(event, 'id'),
		{ userIds: [uuidParam(event, 'userId')] },
		'api'
	);
});

export const fallback = methodNotAllowed(['DELETE']);
