import * as cohorts from '$lib/server/cohorts';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => cohorts.get(user, uuidParam(event, 'id')));

/** Changes the role, removal policy or target course group; what the link did follows. */
export const PATCH = endpoint(async (event, user) =>
	cohorts.update(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

/** Unlinks: only enrolments that came from this link follow its removal policy. */
export const DELETE = endpoint(async (event, user) => {
	await cohorts.unlink(user, uuidParam(event, 'id'), 'api');
});

export const fallback = methodNotAllowed(['GET', 'PATCH', 'DELETE']);
