import * as progress from '$lib/server/progress';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Every learner of the course with their completion and score for this activity (course staff). */
export const GET = endpoint(async (event, user) => ({
	items: await progress.listCompletions(user, uuidParam(event, 'id'))
}));

/** Records a learner's completion and/or score (course staff); completed=false and no score removes it. */
export const POST = endpoint(async (event, user) => ({
	completion: await progress.recordCompletion(
		user,
		uuidParam(event, 'id'),
		await readJson(event),
		'api'
	)
}));

export const fallback = methodNotAllowed(['GET', 'POST']);
