import * as groups from '$lib/server/groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Moves the group and its subtree under `parentId` (same scope), or to the top with null. */
export const POST = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	await groups.move(user, id, await readJson(event), 'api');
	return groups.get(user, id);
});

export const fallback = methodNotAllowed(['POST']);
