import * as groups from '$lib/server/groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { parseQuery, searchQuery } from '$lib/server/api/input';

/** Platform-wide groups the caller can see, in tree order. */
export const GET = endpoint(async (event, user) => {
	const { search } = parseQuery(event, searchQuery);
	return { items: await groups.tree(user, { platform: true }, { search }) };
});

/** A top-level group of a scope (platform, organisationId or courseId), or a sub-group of parentId. */
export const POST = endpoint(
	async (event, user) => {
		const { id } = await groups.create(user, await readJson(event), 'api');
		return groups.get(user, id);
	},
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
