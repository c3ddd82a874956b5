import * as groups from '$lib/server/groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { messagingBody } from '$lib/server/api/input';
import { parse } from '$lib/server/validate';

/** Turns messaging on or off for many groups at once; all of them must be the caller's to manage. */
export const POST = endpoint(async (event, user) => {
	const { groupIds, enabled } = parse(messagingBody, await readJson(event));
	return groups.setMessaging(user, groupIds, enabled, 'api');
});

export const fallback = methodNotAllowed(['POST']);
