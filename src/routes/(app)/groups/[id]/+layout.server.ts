import * as courses from '$lib/server/courses';
import * as groups from '$lib/server/groups';
import * as organisations from '$lib/server/organisations';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	const group = await orErrorPage(groups.get(user, event.params.id));
	return { group, home: await homeOf(user, group) };
};

/** Where the group lives, for the breadcrumb: its organisation's or course's groups. */
async function homeOf(user: Parameters<typeof groups.get>[0], group: groups.GroupDetail) {
	try {
		if (group.courseId) {
			const course = await courses.get(user, group.courseId);
			return { href: `/courses/${course.id}/groups`, label: `${course.code} groups` };
		}
		if (group.organisationId) {
			const organisation = await organisations.get(user, group.organisationId);
			return {
				href: `/organisations/${organisation.slug}/groups`,
				label: `${organisation.name} groups`
			};
		}
	} catch {
		// Someone who sees a group need not see its organisation; the breadcrumb then starts at the group.
	}
	return null;
}
