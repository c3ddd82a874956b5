import { error, redirect } from '@sveltejs/kit';
import * as learnerGroups from '$lib/server/learner-groups';
import { learnerGroupInputFrom } from '$lib/schemas/learner-group-form';
import { NOT_FOUND_MESSAGE } from '$lib/server/errors';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const [group, interventions] = await Promise.all([
		orErrorPage(learnerGroups.get(user, event.params.groupId)),
		orErrorPage(learnerGroups.interventionHistory(user, event.params.groupId))
	]);
	if (group.courseId !== event.params.id) error(404, { message: NOT_FOUND_MESSAGE });
	return { group, interventions };
};

export const actions: Actions = {
	update: async (event) => {
		const user = requireUser(event);
		const { input, values, drafts } = learnerGroupInputFrom(await event.request.formData());
		try {
			await learnerGroups.update(user, event.params.groupId, input);
		} catch (caught) {
			return formFailure(caught, { ...values, drafts }, 'group');
		}
		return { form: 'group', success: 'Saved. Members follow the new criteria.' };
	},
	refresh: async (event) => {
		const user = requireUser(event);
		try {
			const result = await learnerGroups.refresh(user, event.params.groupId);
			return { form: 'refresh', success: 'Refreshed.', result };
		} catch (caught) {
			return formFailure(caught, {}, 'refresh');
		}
	},
	send: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['subject', 'body']);
		try {
			const sent = await learnerGroups.sendIntervention(user, event.params.groupId, values);
			return {
				form: 'send',
				success: `Sent “${sent.subject}” to ${sent.recipientCount} ${sent.recipientCount === 1 ? 'person' : 'people'}.`
			};
		} catch (caught) {
			return formFailure(caught, values, 'send');
		}
	},
	link: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['parentId']);
		try {
			await learnerGroups.link(user, event.params.groupId, { parentId: values.parentId || null });
		} catch (caught) {
			return formFailure(caught, values, 'link');
		}
		return {
			form: 'link',
			success: values.parentId ? 'Linked to the course group.' : 'Unlinked.'
		};
	},
	remove: async (event) => {
		const user = requireUser(event);
		try {
			await learnerGroups.remove(user, event.params.groupId);
		} catch (caught) {
			return formFailure(caught, {}, 'remove');
		}
		redirect(303, `/courses/${event.params.id}/learner-groups`);
	}
};
