import * as files from '$lib/server/direct-messages/files';
import { downloadResponse } from '$lib/server/resources';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** A file sent in the conversation (its bytes, as an attachment). */
export const GET = endpoint(async (event, user) =>
	downloadResponse(await files.open(user, uuidParam(event, 'id'), uuidParam(event, 'fileId')))
);

export const fallback = methodNotAllowed(['GET']);
