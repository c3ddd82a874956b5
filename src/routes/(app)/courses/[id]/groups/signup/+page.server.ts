import * as courseGroups from '$lib/server/course-groups';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return { groupings: await orErrorPage(courseGroups.signupView(user, event.params.id)) };
};

export const actions: Actions = {
	join: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['groupId']);
		try {
			const { message } = await courseGroups.signUp(user, values.groupId);
			return { form: 'signup', groupId: values.groupId, success: message };
		} catch (error) {
			return formFailure(error, values, 'signup');
		}
	},
	leave: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['groupId']);
		try {
			const { message } = await courseGroups.leaveSignup(user, values.groupId);
			return { form: 'signup', groupId: values.groupId, success: message };
		} catch (error) {
			return formFailure(error, values, 'signup');
		}
	}
};
