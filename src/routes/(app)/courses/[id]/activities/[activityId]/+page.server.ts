import { error } from '@sveltejs/kit';
import * as courses from '$lib/server/courses';
import * as progress from '$lib/server/progress';
import { NOT_FOUND_MESSAGE } from '$lib/server/errors';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	// ?group=<id> shows one group, ?group=all everyone the viewer may see; without it the view opens
	// where the activity's group mode says (an assistant's own group in separate and visible modes).
	const requested = event.url.searchParams.get('group');
	const groupId = requested && requested !== 'all' ? requested : null;
	const [course, activity, first] = await Promise.all([
		orErrorPage(courses.get(user, event.params.id)),
		orErrorPage(progress.getActivity(user, event.params.activityId)),
		orErrorPage(progress.completionsView(user, event.params.activityId, { groupId }))
	]);
	if (activity.courseId !== course.id) error(404, { message: NOT_FOUND_MESSAGE });
	const view =
		requested === null && first.groupView.defaultGroupId
			? await orErrorPage(
					progress.completionsView(user, event.params.activityId, {
						groupId: first.groupView.defaultGroupId
					})
				)
			: first;
	return {
		course,
		activity,
		completions: view.items,
		groupView: view.groupView,
		groupId: view.groupId
	};
};

export const actions: Actions = {
	record: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), [
			'userId',
			'displayName',
			'completed',
			'score'
		]);
		const score = values.score.trim();
		try {
			await progress.recordCompletion(user, event.params.activityId, {
				userId: values.userId,
				completed: values.completed === 'on',
				score: score === '' ? null : Number(score)
			});
		} catch (caught) {
			return formFailure(caught, values, 'record');
		}
		return { form: 'record', success: `Saved ${values.displayName || 'the learner'}.` };
	}
};
