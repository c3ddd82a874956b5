import * as dashboard from '$lib/server/dashboard';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Ten 10-point progress bands with how many learner enrolments fall in each; query: courseId. */
export const GET = endpoint(async (event, user) => ({
	items: await dashboard.distribution(user, uuidParam(event, 'id'), {
		courseId: event.url.searchParams.get('courseId')
	})
}));

export const fallback = methodNotAllowed(['GET']);
