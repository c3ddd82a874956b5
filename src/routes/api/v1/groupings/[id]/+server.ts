import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) =>
	courseGroups.getGrouping(user, uuidParam(event, 'id'))
);

export const PATCH = endpoint(async (event, user) =>
	courseGroups.updateGrouping(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

/** Deletes the grouping into the bin with its groups, for 30 days. */
export const DELETE = endpoint(async (event, user) =>
	courseGroups.deleteGrouping(user, uuidParam(event, 'id'), 'api')
);

export const fallback = methodNotAllowed(['GET', 'PATCH', 'DELETE']);
