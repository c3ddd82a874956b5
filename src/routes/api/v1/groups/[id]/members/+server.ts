import * as memberships from '$lib/server/memberships';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { membersQuery, parseQuery, uuidParam } from '$lib/server/api/input';

/** Effective members: people in the group or any sub-group, each once. */
export const GET = endpoint(async (event, user) => {
	const query = parseQuery(event, membersQuery);
	return { items: await memberships.list(user, uuidParam(event, 'id'), query) };
});

/**
 * Adds people by id or email in one transaction; an email of nobody the caller can see in the
 * group's scope is invited instead (`invited`), whether or not it has an account.
 */
export const POST = endpoint(async (event, user) =>
	memberships.add(user, uuidParam(event, 'id'), await readJson(event), 'api', {
		origin: event.url.origin
	})
);

export const fallback = methodNotAllowed(['GET', 'POST']);
