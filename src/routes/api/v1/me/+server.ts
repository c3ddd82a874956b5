import { endpoint, methodNotAllowed } from '$lib/server/api/respond';

export const GET = endpoint(async (event, user) => ({
	...user,
	authenticatedWith: event.locals.session ? 'session' : 'token'
}));

export const fallback = methodNotAllowed(['GET']);
