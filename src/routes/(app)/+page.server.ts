import * as courses from '$lib/server/courses';
import * as home from '$lib/server/home';
import * as organisations from '$lib/server/organisations';
import { requireUser } from '$lib/server/guards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const [myCourses, allOrganisations, summary] = await Promise.all([
		courses.list(user),
		organisations.list(user),
		home.summary(user)
	]);
	return { courses: myCourses, organisations: allOrganisations, summary };
};
