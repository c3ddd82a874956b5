import * as courses from '$lib/server/courses';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';

/** The caller's own courses: those they are enrolled in. */
export const GET = endpoint(async (_event, user) => ({ items: await courses.list(user) }));

export const fallback = methodNotAllowed(['GET']);
