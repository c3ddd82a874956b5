import * as selfEnrolment from '$lib/server/self-enrolment';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';

/** Courses the caller may enrol themselves in now, never with their keys. */
export const GET = endpoint(async (_event, user) => ({
	items: await selfEnrolment.openCourses(user)
}));

export const fallback = methodNotAllowed(['GET']);
