import * as progress from '$lib/server/progress';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/**
 * The course's learners with their completion and score for this activity (course staff), as its
 * group mode lets the caller see them; `?groupId=` narrows to one group. Also the group view:
 * the mode, the groups the caller may pick and the one a staff view opens on.
 */
export const GET = endpoint(async (event, user) => {
	const view = await progress.completionsView(user, uuidParam(event, 'id'), {
		groupId: event.url.searchParams.get('groupId')
	});
	return { items: view.items, groupView: view.groupView, groupId: view.groupId };
});

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
