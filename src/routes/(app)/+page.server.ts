import * as courses from '$lib/server/courses';
import * as groups from '$lib/server/groups';
import * as organisations from '$lib/server/organisations';
import { requireUser } from '$lib/server/guards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const [myCourses, allOrganisations, myGroups] = await Promise.all([
		courses.list(user),
		organisations.list(user),
		groups.mine(user)
	]);
	return { courses: myCourses, organisations: allOrganisations, groups: myGroups };
};
