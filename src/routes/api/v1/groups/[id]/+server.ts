import * as groups from '$lib/server/groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { parseDeleteExpectation, uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => groups.get(user, uuidParam(event, 'id')));

/** Fields left out keep their values (the domain's update schema is partial). */
export const PATCH = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	await groups.update(user, id, await readJson(event), 'api');
	return groups.get(user, id);
});

/** Deletes the subtree only when it still matches the counts of GET …/delete-preview, else 409. */
export const DELETE = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	return groups.remove(user, id, parseDeleteExpectation(event), 'api');
});

export const fallback = methodNotAllowed(['GET', 'PATCH', 'DELETE']);
