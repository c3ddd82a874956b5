import * as cohorts from '$lib/server/cohorts';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => cohorts.get(user, uuidParam(event, 'id')));

export const PATCH = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	await cohorts.update(user, id, await readJson(event), 'api');
	return cohorts.get(user, id);
});

/** Unlinks: only enrolments that came from this link follow its removal policy. */
export const DELETE = endpoint(async (event, user) => {
	await cohorts.unlink(user, uuidParam(event, 'id'), 'api');
});

export const fallback = methodNotAllowed(['GET', 'PATCH', 'DELETE']);
