import * as courses from '$lib/server/courses';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { mergePatch, uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => courses.get(user, uuidParam(event, 'id')));

export const PATCH = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const body = await readJson(event);
	const { code, name, description } = await courses.get(user, id);
	await courses.update(user, id, mergePatch({ code, name, description }, body), 'api');
	return courses.get(user, id);
});

export const DELETE = endpoint(async (event, user) => {
	await courses.remove(user, uuidParam(event, 'id'), 'api');
});

export const fallback = methodNotAllowed(['GET', 'PATCH', 'DELETE']);
