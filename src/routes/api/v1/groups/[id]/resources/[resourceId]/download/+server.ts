import * as resources from '$lib/server/resources';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The file's bytes, as an attachment, to those who may read the group. */
export const GET = endpoint(async (event, user) => {
	const download = await resources.open(user, uuidParam(event, 'resourceId'), {
		groupId: uuidParam(event, 'id')
	});
	return resources.downloadResponse(download);
});

export const fallback = methodNotAllowed(['GET']);
