import * as learnerGroups from '$lib/server/learner-groups';
import { formFailure } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { settings } = await event.parent();
	return {
		learnerGroups: settings.learnerGroupsEnabled
			? await orErrorPage(learnerGroups.list(user, event.params.id))
			: []
	};
};

export const actions: Actions = {
	settings: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const values = {
			learnerGroupsEnabled: data.get('learnerGroupsEnabled') === 'on',
			inactiveDays: String(data.get('inactiveDays') ?? '7')
		};
		try {
			const saved = await learnerGroups.updateSettings(user, event.params.id, values);
			return {
				form: 'settings',
				success: saved.learnerGroupsEnabled
					? 'Learner groups are on for this course.'
					: 'Learner groups are off for this course.'
			};
		} catch (error) {
			return formFailure(error, values, 'settings');
		}
	},
	notStarted: async (event) => {
		const user = requireUser(event);
		try {
			const group = await learnerGroups.createNotStarted(user, event.params.id);
			return {
				form: 'notStarted',
				success: `Created “${group.name}” with ${group.memberCount} ${group.memberCount === 1 ? 'member' : 'members'}.`
			};
		} catch (error) {
			return formFailure(error, {}, 'notStarted');
		}
	}
};
