import * as courses from '$lib/server/courses';
import * as organisations from '$lib/server/organisations';
import { requireUser } from '$lib/server/guards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const [myCourses, allOrganisations] = await Promise.all([
		courses.list(user),
		organisations.list(user)
	]);
	return { courses: myCourses, organisations: allOrganisations };
};
