import { error } from '@sveltejs/kit';
import * as courses from '$lib/server/courses';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { GROUP_MODES } from '$lib/course-groups';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const course = await orErrorPage(courses.get(user, event.params.id));
	if (!course.canManage) {
		error(404, { message: 'No such course, or you cannot manage it.', code: 'not_found' });
	}
	return { course };
};

export const actions: Actions = {
	groupMode: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['groupMode', 'forceGroupMode']);
		try {
			const { groupMode, forceGroupMode } = await courses.setGroupMode(
				user,
				event.params.id,
				values.groupMode,
				'app',
				values.forceGroupMode === 'on'
			);
			return {
				form: 'groupMode',
				success: `Group mode: ${GROUP_MODES[groupMode].label.toLowerCase()}${forceGroupMode ? ', forced on every activity' : ''}.`
			};
		} catch (caught) {
			return formFailure(caught, values, 'groupMode');
		}
	}
};
