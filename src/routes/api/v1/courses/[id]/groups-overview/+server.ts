import * as v from 'valibot';
import * as courseGroups from '$lib/server/course-groups';
import * as courses from '$lib/server/courses';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { csvAttachment, parseQuery, uuidParam } from '$lib/server/api/input';

const query = v.object({
	groupingId: v.optional(v.string()),
	groupId: v.optional(v.string()),
	format: v.optional(v.picklist(['json', 'csv'], 'format must be json or csv.'), 'json')
});

/** Groupings with their groups and members, groups in no grouping, people in no group (JSON or CSV). */
export const GET = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const { format, ...filters } = parseQuery(event, query);
	if (format === 'csv') {
		const course = await courses.get(user, id);
		const text = await courseGroups.overviewCsv(user, id, filters);
		return csvAttachment(text, `${course.code}-groups-overview.csv`);
	}
	return courseGroups.overview(user, id, filters);
});

export const fallback = methodNotAllowed(['GET']);
