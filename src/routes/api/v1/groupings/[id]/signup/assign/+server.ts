import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Puts every unassigned learner in the grouping's groups, smallest first, within limits. */
export const POST = endpoint(async (event, user) =>
	courseGroups.assignUnassigned(user, uuidParam(event, 'id'), 'api')
);

export const fallback = methodNotAllowed(['POST']);
