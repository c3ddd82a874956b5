import * as learnerGroups from '$lib/server/learner-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => ({
	items: await learnerGroups.list(user, uuidParam(event, 'id'))
}));

/** Creates a learner group from criteria and fills it at once. */
export const POST = endpoint(
	async (event, user) =>
		learnerGroups.create(user, uuidParam(event, 'id'), await readJson(event), 'api'),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
