import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { groupIdsBody, uuidParam } from '$lib/server/api/input';
import { parse } from '$lib/server/validate';

/** Puts groups in the grouping: `{ groupIds: [...] }`. */
export const POST = endpoint(async (event, user) => {
	const { groupIds } = parse(groupIdsBody, await readJson(event));
	return courseGroups.addToGrouping(user, uuidParam(event, 'id'), groupIds, 'api');
});

/** Takes groups out of the grouping: `{ groupIds: [...] }`; the groups stay in the course. */
export const DELETE = endpoint(async (event, user) => {
	const { groupIds } = parse(groupIdsBody, await readJson(event));
	return courseGroups.removeFromGrouping(user, uuidParam(event, 'id'), groupIds, 'api');
});

export const fallback = methodNotAllowed(['POST', 'DELETE']);
