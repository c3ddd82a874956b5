import * as learnerGroups from '$lib/server/learner-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Places the learner group under a course group ({"parentId": id}) or back at the top ({"parentId": null}). */
export const PUT = endpoint(async (event, user) =>
	learnerGroups.link(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['PUT']);
