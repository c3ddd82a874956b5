import * as v from 'valibot';
import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';
import { parse } from '$lib/server/validate';

const body = v.object({ groupIds: v.unknown() });

/** Puts groups in the grouping: `{ groupIds: [...] }`. */
export const POST = endpoint(async (event, user) => {
	const { groupIds } = parse(body, await readJson(event));
	return courseGroups.addToGrouping(user, uuidParam(event, 'id'), groupIds, 'api');
});

/** Takes groups out of the grouping: `{ groupIds: [...] }`; the groups stay in the course. */
export const DELETE = endpoint(async (event, user) => {
	const { groupIds } = parse(body, await readJson(event));
	return courseGroups.removeFromGrouping(user, uuidParam(event, 'id'), groupIds, 'api');
});

export const fallback = methodNotAllowed(['POST', 'DELETE']);
