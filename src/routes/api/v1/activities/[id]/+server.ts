import * as progress from '$lib/server/progress';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) =>
	progress.getActivity(user, uuidParam(event, 'id'))
);

/** Fields left out keep their values; restrictedTo / restrictedToGroupings, when sent, replace those restrictions. */
export const PATCH = endpoint(async (event, user) =>
	progress.updateActivity(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const DELETE = endpoint(async (event, user) =>
	progress.deleteActivity(user, uuidParam(event, 'id'), 'api')
);

export const fallback = methodNotAllowed(['GET', 'PATCH', 'DELETE']);
