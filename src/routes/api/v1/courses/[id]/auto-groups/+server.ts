import { json } from '@sveltejs/kit';
import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { autoGroupsQuery, parseQuery, uuidParam } from '$lib/server/api/input';

/**
 * Creates groups automatically from the options in the body; `?dryRun=true` answers the preview
 * (names, members, counts and the seed) and creates nothing.
 */
export const POST = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const { dryRun } = parseQuery(event, autoGroupsQuery);
	const options = await readJson(event);
	if (dryRun === 'true') return courseGroups.previewAutoCreate(user, id, options);
	return json(await courseGroups.autoCreate(user, id, options, 'api'), { status: 201 });
});

export const fallback = methodNotAllowed(['POST']);
