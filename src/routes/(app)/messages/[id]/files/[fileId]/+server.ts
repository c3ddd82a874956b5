import { error, type RequestHandler } from '@sveltejs/kit';
import * as files from '$lib/server/direct-messages/files';
import { downloadResponse } from '$lib/server/resources';
import { uuidParam } from '$lib/server/api/input';
import { DomainError, NOT_FOUND_MESSAGE } from '$lib/server/errors';

/** A file sent in the conversation, as an attachment, for the people in it; 404 for anyone else. */
export const GET: RequestHandler = async (event) => {
	if (!event.locals.user) error(404, NOT_FOUND_MESSAGE);
	try {
		return downloadResponse(
			await files.open(event.locals.user, uuidParam(event, 'id'), uuidParam(event, 'fileId'))
		);
	} catch (caught) {
		if (caught instanceof DomainError) error(caught.status, caught.message);
		throw caught;
	}
};
