import * as courseGroups from '$lib/server/course-groups';
import * as courses from '$lib/server/courses';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { csvAttachment, overviewQuery, parseQuery, uuidParam } from '$lib/server/api/input';

/** Groupings with their groups and members, groups in no grouping, people in no group (JSON or CSV). */
export const GET = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const { format, ...filters } = parseQuery(event, overviewQuery);
	if (format === 'csv') {
		const course = await courses.get(user, id);
		const text = await courseGroups.overviewCsv(user, id, filters);
		return csvAttachment(text, `${course.code}-groups-overview.csv`);
	}
	return courseGroups.overview(user, id, filters);
});

export const fallback = methodNotAllowed(['GET']);
