import * as cohorts from '$lib/server/cohorts';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => ({
	items: await cohorts.listForCourse(user, uuidParam(event, 'id'))
}));

/** Links a group (sub-groups included): its members are enrolled now and kept in step. */
export const POST = endpoint(
	async (event, user) => cohorts.link(user, uuidParam(event, 'id'), await readJson(event), 'api'),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
