import * as resources from '$lib/server/resources';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The group's library: resources (filter with ?folder=, ?tag=, ?search=), folders, tags, storage. */
export const GET = endpoint(async (event, user) =>
	resources.list(user, uuidParam(event, 'id'), Object.fromEntries(event.url.searchParams))
);

/** Shares a link; files go to …/resources/files. */
export const POST = endpoint(
	async (event, user) =>
		resources.createLink(user, uuidParam(event, 'id'), await readJson(event), 'api'),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
