import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** "Delete now": the binned set and its groups go for good. */
export const DELETE = endpoint(async (event, user) =>
	courseGroups.purgeGrouping(user, uuidParam(event, 'id'), uuidParam(event, 'groupingId'), 'api')
);

export const fallback = methodNotAllowed(['DELETE']);
