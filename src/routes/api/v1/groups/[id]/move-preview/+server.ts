import * as groups from '$lib/server/groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { movePreviewQuery, parseQuery, uuidParam } from '$lib/server/api/input';

/**
 * What moving the group under `?parentId=` (absent or empty: the top level) would do to linked
 * courses: who would be enrolled, suspended or unenrolled. Nothing changes.
 */
export const GET = endpoint(async (event, user) => {
	const { parentId } = parseQuery(event, movePreviewQuery);
	return groups.movePreview(user, uuidParam(event, 'id'), { parentId: parentId || null });
});

export const fallback = methodNotAllowed(['GET']);
