import * as organisations from '$lib/server/organisations';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { mergePatch, uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => organisations.get(user, uuidParam(event, 'id')));

export const PATCH = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const body = await readJson(event);
	const { name, slug, description } = await organisations.get(user, id);
	await organisations.update(user, id, mergePatch({ name, slug, description }, body), 'api');
	return organisations.get(user, id);
});

export const fallback = methodNotAllowed(['GET', 'PATCH']);
