import * as selfEnrolment from '$lib/server/self-enrolment';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The course's self-enrolment settings, its key and its groups' keys (course managers). */
export const GET = endpoint(async (event, user) =>
	selfEnrolment.getSettings(user, uuidParam(event, 'id'))
);

/** `{ enabled, key, opensAt, closesAt, defaultRole }` */
export const PUT = endpoint(async (event, user) =>
	selfEnrolment.updateSettings(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['GET', 'PUT']);
