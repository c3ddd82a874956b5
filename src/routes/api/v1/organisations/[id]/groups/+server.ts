import * as groups from '$lib/server/groups';
import * as organisations from '$lib/server/organisations';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { parseQuery, searchQuery, uuidParam } from '$lib/server/api/input';

/** The organisation's group tree as the caller sees it; `?search=` keeps matches and their ancestors. */
export const GET = endpoint(async (event, user) => {
	const { search } = parseQuery(event, searchQuery);
	// An organisation the caller cannot see is a 404, not an empty tree.
	const organisation = await organisations.get(user, uuidParam(event, 'id'));
	return { items: await groups.tree(user, { organisationId: organisation.id }, { search }) };
});

export const fallback = methodNotAllowed(['GET']);
