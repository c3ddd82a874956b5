import * as resources from '$lib/server/resources';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** What one upload may be: { usedBytes, quotaBytes, remainingBytes, maxUploadBytes } (readers). */
export const GET = endpoint(async (event, user) => resources.storage(user, uuidParam(event, 'id')));

/** Sets the group's storage quota: { quotaBytes } (admins of the group's scope). */
export const PUT = endpoint(async (event, user) =>
	resources.setQuota(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['GET', 'PUT']);
