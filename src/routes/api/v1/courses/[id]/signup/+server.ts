import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The course's groupings open for self sign-up, with places left and the caller's own group. */
export const GET = endpoint(async (event, user) => ({
	items: await courseGroups.signupView(user, uuidParam(event, 'id'))
}));

export const fallback = methodNotAllowed(['GET']);
