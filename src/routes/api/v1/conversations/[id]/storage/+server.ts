import * as files from '$lib/server/direct-messages/files';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** What one upload may be: { usedBytes, quotaBytes, remainingBytes, maxUploadBytes } (its people). */
export const GET = endpoint(async (event, user) => files.storage(user, uuidParam(event, 'id')));

export const fallback = methodNotAllowed(['GET']);
