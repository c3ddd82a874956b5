import * as resources from '$lib/server/resources';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';
import { notFound } from '$lib/server/errors';

/** The file's bytes, as an attachment, to those who may read the group. */
export const GET = endpoint(async (event, user) => {
	const download = await resources.open(user, uuidParam(event, 'resourceId'));
	if (download.resource.groupId !== uuidParam(event, 'id')) {
		download.body.destroy();
		throw notFound();
	}
	return resources.downloadResponse(download);
});

export const fallback = methodNotAllowed(['GET']);
