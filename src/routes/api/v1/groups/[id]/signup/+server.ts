import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The caller signs up to the group (moving out of another group of an exclusive grouping). */
export const POST = endpoint(
	async (event, user) => courseGroups.signUp(user, uuidParam(event, 'id'), 'api'),
	{ status: 201 }
);

/** The caller leaves the group while sign-up is open. */
export const DELETE = endpoint(async (event, user) =>
	courseGroups.leaveSignup(user, uuidParam(event, 'id'), 'api')
);

export const fallback = methodNotAllowed(['POST', 'DELETE']);
