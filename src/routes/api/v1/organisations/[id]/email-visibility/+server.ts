import * as organisations from '$lib/server/organisations';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Whether learners see other learners' email addresses (organisation admins). */
export const PUT = endpoint(async (event, user) =>
	organisations.setEmailVisibility(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['PUT']);
