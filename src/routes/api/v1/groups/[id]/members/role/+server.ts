import * as memberships from '$lib/server/memberships';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Gives many members one role; making leaders needs the right to manage the group itself. */
export const POST = endpoint(async (event, user) =>
	memberships.setRole(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['POST']);
