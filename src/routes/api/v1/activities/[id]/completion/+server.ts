import * as progress from '$lib/server/progress';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Marks the activity complete for the caller (a learner, where the activity allows it). */
export const PUT = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	await progress.markComplete(user, id, 'api');
	return progress.getActivity(user, id);
});

/** Takes back the caller's own mark. */
export const DELETE = endpoint(async (event, user) =>
	progress.unmarkComplete(user, uuidParam(event, 'id'), 'api')
);

export const fallback = methodNotAllowed(['PUT', 'DELETE']);
