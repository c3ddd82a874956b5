import * as dashboard from '$lib/server/dashboard';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** One learner of the group, course by course, activity by activity. */
export const GET = endpoint(async (event, user) =>
	dashboard.learner(user, uuidParam(event, 'id'), uuidParam(event, 'userId'))
);

export const fallback = methodNotAllowed(['GET']);
