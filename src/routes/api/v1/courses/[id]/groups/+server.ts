import * as courses from '$lib/server/courses';
import * as groups from '$lib/server/groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { parseQuery, searchQuery, uuidParam } from '$lib/server/api/input';

/** The course's own groups as the caller sees them, in tree order. */
export const GET = endpoint(async (event, user) => {
	const { search } = parseQuery(event, searchQuery);
	// A course the caller cannot see is a 404, not an empty tree.
	const course = await courses.get(user, uuidParam(event, 'id'));
	return { items: await groups.tree(user, { courseId: course.id }, { search }) };
});

export const fallback = methodNotAllowed(['GET']);
