import * as directMessages from '$lib/server/direct-messages';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';

/** A page of the conversation's messages: `?before=<seq>` for older ones, `?limit=` (1–100). */
export const GET = endpoint((event, user) =>
	directMessages.history(user, event.params.id ?? '', Object.fromEntries(event.url.searchParams))
);

/** `{ "clientId": "<uuid>", "body": "…" }`: a retry with the same client id returns the same message. */
export const POST = endpoint(
	async (event, user) =>
		directMessages.send(user, event.params.id ?? '', await readJson(event), event.locals.via),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
