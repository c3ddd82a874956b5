import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Sets self sign-up: `{ open, sizeLimit, opensAt, closesAt, autoLeader }` (all replaced). */
export const PUT = endpoint(async (event, user) =>
	courseGroups.updateSignup(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['PUT']);
