import * as apiTokens from '$lib/server/auth/api-tokens';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { requireSession } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => {
	requireSession(event);
	return { items: await apiTokens.list(user) };
});

/** The secret is in this response only; store it now. */
export const POST = endpoint(
	async (event, user) => {
		requireSession(event);
		return apiTokens.create(user, await readJson(event));
	},
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
