import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => ({
	items: await courseGroups.listBin(user, uuidParam(event, 'id'))
}));

export const fallback = methodNotAllowed(['GET']);
