import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { readOptionalJson, uuidParam } from '$lib/server/api/input';

export const POST = endpoint(async (event, user) =>
	courseGroups.restoreGrouping(
		user,
		uuidParam(event, 'id'),
		uuidParam(event, 'groupingId'),
		(await readOptionalJson(event)) ?? {},
		'api'
	)
);

export const fallback = methodNotAllowed(['POST']);
