import * as interventions from '$lib/server/learner-groups/interventions';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { interventionsSeenBody } from '$lib/server/api/input';
import { parse } from '$lib/server/validate';

/** Marks messages from course teams as seen by the caller: { ids: [intervention ids] }. */
export const POST = endpoint(async (event, user) => {
	const { ids } = parse(interventionsSeenBody, await readJson(event));
	return interventions.markSeen(user, ids);
});

export const fallback = methodNotAllowed(['POST']);
