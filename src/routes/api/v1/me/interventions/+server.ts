import * as learnerGroups from '$lib/server/learner-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';

/**
 * Messages course staff sent to the caller through learner groups, newest first: the course and
 * the sender, whether the caller has seen it, never the learner group.
 */
export const GET = endpoint(async (_event, user) => ({ items: await learnerGroups.inbox(user) }));

export const fallback = methodNotAllowed(['GET']);
