import { error } from '@sveltejs/kit';
import type { Course } from '$lib/server/courses';

/**
 * Course staff pages (overview, groupings, auto-create, import) answer a learner like a page that
 * is not there: the data behind them is for staff, and the learner's own view is the Sign up tab.
 */
export function requireCourseManager(course: Course) {
	if (!course.canManage) {
		error(404, { message: 'Not found, or you cannot manage this course.', code: 'not_found' });
	}
}
