import * as courses from '$lib/server/courses';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { groupModeBody, uuidParam } from '$lib/server/api/input';
import { parse } from '$lib/server/validate';

/** `{ groupMode: 'none' | 'separate' | 'visible', forceGroupMode?: boolean }` */
export const PUT = endpoint(async (event, user) => {
	const { groupMode, forceGroupMode } = parse(groupModeBody, await readJson(event));
	return courses.setGroupMode(user, uuidParam(event, 'id'), groupMode, 'api', forceGroupMode);
});

export const fallback = methodNotAllowed(['PUT']);
