import { error, redirect, type RequestHandler } from '@sveltejs/kit';
import { uuidParam } from '$lib/server/api/input';
import { errorResponse } from '$lib/server/api/respond';
import { DomainError, NOT_FOUND_MESSAGE } from '$lib/server/errors';
import { uploadFromRequest } from '$lib/server/resources/http';

const json = (failure: DomainError) =>
	errorResponse(failure.status, failure.code, failure.message, failure.issues);

/**
 * The library's upload form posts here (multipart, streamed). A browser without JavaScript is
 * sent back to the library with the outcome in the query; the page's script (which shows the
 * progress bar) asks for JSON with `Accept: application/json`.
 */
export const POST: RequestHandler = async (event) => {
	const wantsJson = (event.request.headers.get('accept') ?? '').includes('application/json');
	const groupId = uuidParam(event, 'id');
	const back = `/groups/${groupId}/resources`;
	if (!event.locals.user) {
		if (wantsJson) return json(new DomainError(404, 'not_found', NOT_FOUND_MESSAGE));
		error(404, NOT_FOUND_MESSAGE);
	}
	let resourceId: string;
	try {
		const resource = await uploadFromRequest(
			event.locals.user,
			groupId,
			event.request,
			event.url,
			'app'
		);
		if (wantsJson) return Response.json(resource, { status: 201 });
		resourceId = resource.id;
	} catch (caught) {
		if (!(caught instanceof DomainError)) throw caught;
		if (wantsJson) return json(caught);
		if (caught.status === 404) error(404, NOT_FOUND_MESSAGE);
		redirect(303, `${back}?error=${encodeURIComponent(caught.message)}`);
	}
	redirect(303, `${back}?uploaded=${resourceId}`);
};
