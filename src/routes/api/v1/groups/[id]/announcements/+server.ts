import * as announcements from '$lib/server/announcements';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The feed: pinned first, newest first; ?limit= and ?before= (a publishAt) page back. */
export const GET = endpoint(async (event, user) =>
	announcements.list(user, uuidParam(event, 'id'), Object.fromEntries(event.url.searchParams))
);

/** Posts an announcement: { title, body, includeSubgroups?, pinned?, publishAt? }. */
export const POST = endpoint(
	async (event, user) =>
		announcements.create(user, uuidParam(event, 'id'), await readJson(event), 'api', {
			origin: event.url.origin
		}),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
