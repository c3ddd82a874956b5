import type { RequestHandler } from '@sveltejs/kit';
import * as files from '$lib/server/direct-messages/files';
import { readUpload } from '$lib/server/resources/http';
import { uuidParam } from '$lib/server/api/input';
import { errorResponse } from '$lib/server/api/respond';
import { DomainError, NOT_FOUND_MESSAGE } from '$lib/server/errors';

const json = (failure: DomainError) =>
	errorResponse(failure.status, failure.code, failure.message, failure.issues);

/**
 * The conversation composer's uploads (multipart, streamed, with progress): the file, to be
 * attached to the next message. Answers JSON (the composer is a script).
 */
export const POST: RequestHandler = async (event) => {
	if (!event.locals.user) return json(new DomainError(404, 'not_found', NOT_FOUND_MESSAGE));
	const user = event.locals.user;
	const conversationId = uuidParam(event, 'id');
	try {
		const file = await readUpload(event.request, event.url, (input) =>
			files.upload(user, conversationId, input, 'app')
		);
		return Response.json(file, { status: 201 });
	} catch (caught) {
		if (caught instanceof DomainError) return json(caught);
		throw caught;
	}
};
