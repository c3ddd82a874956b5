import * as dashboard from '$lib/server/dashboard';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The group's learners × courses with progress and at-risk flags; query: courseId, sort, direction, filter, search. */
export const GET = endpoint(async (event, user) =>
	dashboard.dashboard(user, uuidParam(event, 'id'), Object.fromEntries(event.url.searchParams))
);

export const fallback = methodNotAllowed(['GET']);
