import { redirect } from '@sveltejs/kit';
import * as groups from '$lib/server/groups';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return { preview: await orErrorPage(groups.deletePreview(user, event.params.id)) };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['subgroups', 'memberships', 'then']);
		try {
			await groups.remove(user, event.params.id, {
				subgroups: Number(values.subgroups),
				memberships: Number(values.memberships)
			});
		} catch (error) {
			return formFailure(error, values);
		}
		redirect(303, values.then.startsWith('/') && !values.then.startsWith('//') ? values.then : '/');
	}
};
