import * as invites from '$lib/server/memberships/invites';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => ({
	items: await invites.list(user, uuidParam(event, 'id'))
}));

/** The token is in this response only; only its hash is stored. */
export const POST = endpoint(
	async (event, user) =>
		invites.create(user, uuidParam(event, 'id'), await readJson(event), 'api', {
			origin: event.url.origin
		}),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
