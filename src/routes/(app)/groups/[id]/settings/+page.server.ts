import { error } from '@sveltejs/kit';
import * as groups from '$lib/server/groups';
import { groupInputFrom } from '$lib/server/groups/forms';
import { formFailure } from '$lib/server/forms';
import { requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	requireUser(event);
	const { group } = await event.parent();
	if (!group.canManage) error(404, { message: 'Not found, or you do not have access.' });
	return {};
};

export const actions: Actions = {
	update: async (event) => {
		const user = requireUser(event);
		const input = groupInputFrom(await event.request.formData());
		try {
			await groups.update(user, event.params.id, input);
		} catch (caught) {
			return formFailure(caught, input, 'settings');
		}
		return { form: 'settings', success: 'Saved.' };
	}
};
