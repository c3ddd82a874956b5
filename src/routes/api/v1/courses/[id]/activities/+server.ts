import * as progress from '$lib/server/progress';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The activities the caller may open, the locked ones (restricted to groups they are not in), and their progress. */
export const GET = endpoint(async (event, user) =>
	progress.listActivities(user, uuidParam(event, 'id'))
);

/** Adds an activity (course managers); restrictedTo lists course groups, restrictedToGroupings course groupings. */
export const POST = endpoint(
	async (event, user) =>
		progress.createActivity(user, uuidParam(event, 'id'), await readJson(event), 'api'),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
