import * as v from 'valibot';
import * as courses from '$lib/server/courses';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';
import { parse } from '$lib/server/validate';

const body = v.object({ groupMode: v.unknown() });

/** `{ groupMode: 'none' | 'separate' | 'visible' }` */
export const PUT = endpoint(async (event, user) => {
	const { groupMode } = parse(body, await readJson(event));
	return courses.setGroupMode(user, uuidParam(event, 'id'), groupMode, 'api');
});

export const fallback = methodNotAllowed(['PUT']);
