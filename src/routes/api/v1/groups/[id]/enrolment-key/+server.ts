import * as selfEnrolment from '$lib/server/self-enrolment';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** `{ key }`: a course group's enrolment key; null takes it away (course managers). */
export const PUT = endpoint(async (event, user) =>
	selfEnrolment.setGroupKey(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['PUT']);
