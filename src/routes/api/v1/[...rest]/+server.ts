import { errorResponse } from '$lib/server/api/respond';
import { NOT_FOUND_MESSAGE } from '$lib/server/errors';

/** Unknown /api/v1 paths answer in the API's error shape, with the same body as a missing resource. */
export const fallback = () => errorResponse(404, 'not_found', NOT_FOUND_MESSAGE);
