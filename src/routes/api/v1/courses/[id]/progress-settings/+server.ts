import * as learnerGroups from '$lib/server/learner-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) =>
	learnerGroups.settings(user, uuidParam(event, 'id'))
);

/** Switches learner groups on or off and sets the inactivity threshold (course staff and admins). */
export const PATCH = endpoint(async (event, user) =>
	learnerGroups.updateSettings(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['GET', 'PATCH']);
