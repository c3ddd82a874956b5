import { error, type RequestHandler } from '@sveltejs/kit';
import * as resources from '$lib/server/resources';
import { uuidParam } from '$lib/server/api/input';
import { DomainError, NOT_FOUND_MESSAGE } from '$lib/server/errors';

/** The file, as an attachment, for someone signed in who may read the group; 404 for anyone else. */
export const GET: RequestHandler = async (event) => {
	if (!event.locals.user) error(404, NOT_FOUND_MESSAGE);
	try {
		const download = await resources.open(event.locals.user, uuidParam(event, 'resourceId'), {
			groupId: uuidParam(event, 'id')
		});
		return resources.downloadResponse(download);
	} catch (caught) {
		if (caught instanceof DomainError) error(caught.status, caught.message);
		throw caught;
	}
};
