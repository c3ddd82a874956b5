import { json } from '@sveltejs/kit';
import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/**
 * Puts every unassigned learner in the grouping's groups, smallest first, within limits: at once
 * (200), or for a large grouping as a job (202 with the run, whose progress GET reads).
 */
export const POST = endpoint(async (event, user) => {
	const result = await courseGroups.assignUnassigned(user, uuidParam(event, 'id'), 'api');
	return 'run' in result ? json(result, { status: 202 }) : result;
});

/** The grouping's latest "Assign unassigned" job and its progress, or `{ run: null }`. */
export const GET = endpoint(async (event, user) => ({
	run: await courseGroups.latestAssignRun(user, uuidParam(event, 'id'))
}));

export const fallback = methodNotAllowed(['GET', 'POST']);
