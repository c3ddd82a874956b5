import { error } from '@sveltejs/kit';
import * as courses from '$lib/server/courses';
import * as groups from '$lib/server/groups';
import * as learnerGroups from '$lib/server/learner-groups';
import * as progress from '$lib/server/progress';
import { NOT_FOUND_MESSAGE } from '$lib/server/errors';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { LayoutServerLoad } from './$types';

/** Course staff only; the criteria catalogue (activities, course groups) is shared by every page below. */
export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	const [course, settings] = await Promise.all([
		orErrorPage(courses.get(user, event.params.id)),
		orErrorPage(learnerGroups.settings(user, event.params.id))
	]);
	if (!settings.canManage) error(404, { message: NOT_FOUND_MESSAGE });
	const [activities, courseGroups] = await Promise.all([
		orErrorPage(progress.listActivities(user, course.id)),
		orErrorPage(groups.tree(user, { courseId: course.id }))
	]);
	return {
		course,
		settings,
		catalogue: {
			activities: activities.activities.map((a) => ({ id: a.id, name: a.title })),
			groups: courseGroups.map((g) => ({ id: g.id, name: g.name, depth: g.depth, kind: g.kind }))
		}
	};
};
