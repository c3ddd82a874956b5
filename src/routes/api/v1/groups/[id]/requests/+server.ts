import * as requests from '$lib/server/memberships/requests';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { readOptionalJson, uuidParam } from '$lib/server/api/input';

/** Pending requests to join, for those who manage the group's members. */
export const GET = endpoint(async (event, user) => ({
	items: await requests.listPending(user, uuidParam(event, 'id'))
}));

/** The caller asks to join a group whose membership mode is "request"; the body is optional. */
export const POST = endpoint(
	async (event, user) =>
		requests.ask(user, uuidParam(event, 'id'), await readOptionalJson(event), 'api'),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
