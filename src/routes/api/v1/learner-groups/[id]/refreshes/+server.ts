import * as learnerGroups from '$lib/server/learner-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Who each refresh added and removed, newest first. */
export const GET = endpoint(async (event, user) => ({
	items: await learnerGroups.refreshes(user, uuidParam(event, 'id'))
}));

export const fallback = methodNotAllowed(['GET']);
