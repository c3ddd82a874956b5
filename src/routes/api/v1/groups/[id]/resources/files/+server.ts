import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';
import { uploadFromRequest } from '$lib/server/resources/http';

/**
 * Uploads a file: multipart/form-data with a `file` field, or the raw bytes with ?filename=.
 * Streamed, never held whole in memory; refused when too large, over the group's quota, of a
 * type that is not allowed, or with an unsafe name.
 */
export const POST = endpoint(
	async (event, user) =>
		uploadFromRequest(user, uuidParam(event, 'id'), event.request, event.url, 'api'),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['POST']);
