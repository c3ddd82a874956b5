import { redirect } from '@sveltejs/kit';
import * as courseGroups from '$lib/server/course-groups';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { requireCourseManager } from '../staff';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	requireCourseManager((await event.parent()).course);
	return { groupings: await orErrorPage(courseGroups.listGroupings(user, event.params.id)) };
};

export const actions: Actions = {
	create: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), [
			'name',
			'idnumber',
			'description',
			'exclusive'
		]);
		let created: { id: string };
		try {
			created = await courseGroups.createGrouping(user, event.params.id, {
				...values,
				exclusive: values.exclusive === 'on'
			});
		} catch (error) {
			return formFailure(error, values, 'create');
		}
		redirect(303, `/courses/${event.params.id}/groups/groupings/${created.id}?created=1`);
	}
};
