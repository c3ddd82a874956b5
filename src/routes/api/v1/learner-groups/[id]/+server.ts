import * as learnerGroups from '$lib/server/learner-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => learnerGroups.get(user, uuidParam(event, 'id')));

/** Fields left out keep their values; changed criteria refresh the group at once. */
export const PATCH = endpoint(async (event, user) =>
	learnerGroups.update(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const DELETE = endpoint(async (event, user) =>
	learnerGroups.remove(user, uuidParam(event, 'id'), 'api')
);

export const fallback = methodNotAllowed(['GET', 'PATCH', 'DELETE']);
