import * as requests from '$lib/server/memberships/requests';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Approves (adding the people) or declines pending requests, all in one transaction. */
export const POST = endpoint(async (event, user) =>
	requests.decide(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['POST']);
