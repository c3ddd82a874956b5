import * as apiTokens from '$lib/server/auth/api-tokens';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { requireSession, uuidParam } from '$lib/server/api/input';

export const DELETE = endpoint(async (event, user) => {
	requireSession(event);
	await apiTokens.revoke(user, uuidParam(event, 'id'));
});

export const fallback = methodNotAllowed(['DELETE']);
