import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => ({
	items: await courseGroups.listGroupings(user, uuidParam(event, 'id'))
}));

export const POST = endpoint(
	async (event, user) =>
		courseGroups.createGrouping(user, uuidParam(event, 'id'), await readJson(event), 'api'),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
