import * as learnerGroups from '$lib/server/learner-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Refreshes the learner group now; returns how many were added and removed. */
export const POST = endpoint(async (event, user) =>
	learnerGroups.refresh(user, uuidParam(event, 'id'))
);

export const fallback = methodNotAllowed(['POST']);
