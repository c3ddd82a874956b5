import * as learnerGroups from '$lib/server/learner-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** How many people match criteria now, and a sample of their names; changes nothing. */
export const POST = endpoint(async (event, user) =>
	learnerGroups.preview(user, uuidParam(event, 'id'), await readJson(event))
);

export const fallback = methodNotAllowed(['POST']);
