import { redirect } from '@sveltejs/kit';
import * as learnerGroups from '$lib/server/learner-groups';
import { learnerGroupInputFrom } from '$lib/schemas/learner-group-form';
import { DomainError } from '$lib/server/errors';
import { formFailure } from '$lib/server/forms';
import { requireUser } from '$lib/server/guards';
import type { Actions } from './$types';

export const actions: Actions = {
	create: async (event) => {
		const user = requireUser(event);
		const { input, values, drafts } = learnerGroupInputFrom(await event.request.formData());
		let id: string;
		try {
			id = (await learnerGroups.create(user, event.params.id, input)).id;
		} catch (error) {
			return formFailure(error, { ...values, drafts }, 'group');
		}
		redirect(303, `/courses/${event.params.id}/learner-groups/${id}`);
	},
	/** The preview for browsers without JavaScript (the editor previews live otherwise). */
	preview: async (event) => {
		const user = requireUser(event);
		const { input, values, drafts } = learnerGroupInputFrom(await event.request.formData());
		try {
			const preview = await learnerGroups.preview(user, event.params.id, input.criteria);
			return { form: 'group', preview, values: { ...values, drafts } };
		} catch (error) {
			if (error instanceof DomainError) return formFailure(error, { ...values, drafts }, 'group');
			throw error;
		}
	}
};
