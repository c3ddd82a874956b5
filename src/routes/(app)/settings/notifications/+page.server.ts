import { NOTIFICATION_KINDS } from '$lib/schemas/notifications';
import * as notifications from '$lib/server/notifications';
import { formFailure } from '$lib/server/forms';
import { requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return { preferences: await notifications.preferences(user) };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const chosen = Object.fromEntries(
			NOTIFICATION_KINDS.filter((kind) => data.has(kind)).map((kind) => [
				kind,
				String(data.get(kind))
			])
		);
		try {
			await notifications.setPreferences(user, chosen);
		} catch (error) {
			return formFailure(error, chosen, 'preferences');
		}
		return { form: 'preferences', success: 'Saved. New notifications follow these choices.' };
	}
};
