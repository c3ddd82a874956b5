import { redirect } from '@sveltejs/kit';
import * as organisations from '$lib/server/organisations';
import { formFailure, formValues } from '$lib/server/forms';
import { requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return {
		organisations: await organisations.list(user),
		canCreate: user.platformRole === 'admin'
	};
};

export const actions: Actions = {
	create: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['name', 'slug', 'description']);
		let created;
		try {
			created = await organisations.create(user, values);
		} catch (error) {
			return formFailure(error, values, 'create');
		}
		redirect(303, `/organisations/${created.slug}`);
	}
};
