import * as templates from '$lib/server/groups/templates';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Creates the starter hierarchy (Staff with its roles, Learners with one group per intake). */
export const POST = endpoint(
	async (event, user) =>
		templates.applyStarter(user, uuidParam(event, 'id'), await readJson(event), 'api'),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['POST']);
