import * as resources from '$lib/server/resources';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { mergePatch, uuidParam } from '$lib/server/api/input';
import { notFound } from '$lib/server/errors';
import type { RequestEvent } from '@sveltejs/kit';
import type { Actor } from '$lib/server/db';

/** The resource, if it is this group's: another group's id in this URL is not found. */
async function resourceOf(event: RequestEvent, user: Actor) {
	const resource = await resources.get(user, uuidParam(event, 'resourceId'));
	if (resource.groupId !== uuidParam(event, 'id')) throw notFound();
	return resource;
}

export const GET = endpoint(async (event, user) => resourceOf(event, user));

/** Changes title, description, folder or tags. */
export const PATCH = endpoint(async (event, user) => {
	const current = await resourceOf(event, user);
	const body = mergePatch(
		{
			title: current.title,
			description: current.description,
			folder: current.folder,
			tags: current.tags
		},
		await readJson(event)
	);
	return resources.update(user, current.id, body, 'api');
});

export const DELETE = endpoint(async (event, user) => {
	const current = await resourceOf(event, user);
	await resources.remove(user, current.id, 'api');
});

export const fallback = methodNotAllowed(['GET', 'PATCH', 'DELETE']);
