import * as courses from '$lib/server/courses';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	return { course: await orErrorPage(courses.get(user, event.params.id)) };
};
