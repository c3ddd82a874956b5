import * as courseGroups from '$lib/server/course-groups';
import * as groups from '$lib/server/groups';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { overviewFilters } from './filters';
import { requireCourseManager } from '../staff';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	requireCourseManager((await event.parent()).course);
	const courseId = event.params.id;
	const filters = overviewFilters(event.url);
	const [overview, groupings, courseGroupTree] = await Promise.all([
		orErrorPage(courseGroups.overview(user, courseId, filters)),
		orErrorPage(courseGroups.listGroupings(user, courseId)),
		orErrorPage(groups.tree(user, { courseId }))
	]);
	return {
		overview,
		filters,
		groupingOptions: groupings.map(({ id, name }) => ({ id, name })),
		groupOptions: courseGroupTree.map(({ id, name }) => ({ id, name }))
	};
};
