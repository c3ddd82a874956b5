import * as directMessages from '$lib/server/direct-messages';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';

/** The caller's direct conversations, the most recent first, with unread counts. */
export const GET = endpoint(async (_event, user) => ({
	conversations: await directMessages.list(user)
}));

/** `{ "userIds": [...] }`: opens the caller's conversation with these people (created once). */
export const POST = endpoint(
	async (event, user) => directMessages.start(user, await readJson(event), event.locals.via),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
