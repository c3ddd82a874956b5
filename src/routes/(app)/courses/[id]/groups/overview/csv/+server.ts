import * as courseGroups from '$lib/server/course-groups';
import * as courses from '$lib/server/courses';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { overviewFilters } from '../filters';
import { requireCourseManager } from '../../staff';
import type { RequestHandler } from './$types';

/** The overview as a CSV download, with the same filters as the page. */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const course = await orErrorPage(courses.get(user, event.params.id));
	requireCourseManager(course);
	const csv = await orErrorPage(
		courseGroups.overviewCsv(user, course.id, overviewFilters(event.url))
	);
	const name = `${course.code.replace(/[^\w.-]+/g, '_')}-groups.csv`;
	return new Response(csv, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${name}"`,
			'cache-control': 'no-store'
		}
	});
};
