import * as groups from '$lib/server/groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) =>
	groups.deletePreview(user, uuidParam(event, 'id'))
);

export const fallback = methodNotAllowed(['GET']);
