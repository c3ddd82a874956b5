import * as chat from '$lib/server/chat';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The people the caller may mention in a channel, and whether they may use @channel there. */
export const GET = endpoint(async (event, user) => chat.mentionables(user, uuidParam(event, 'id')));

export const fallback = methodNotAllowed(['GET']);
