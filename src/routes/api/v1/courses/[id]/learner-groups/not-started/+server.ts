import * as learnerGroups from '$lib/server/learner-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Creates the course's default "Not started" learner group (once). */
export const POST = endpoint(
	async (event, user) => learnerGroups.createNotStarted(user, uuidParam(event, 'id'), 'api'),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['POST']);
