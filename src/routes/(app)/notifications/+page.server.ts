import * as notifications from '$lib/server/notifications';
import { formFailure } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const before = event.url.searchParams.get('before');
	const inbox = await orErrorPage(
		notifications.list(user, { limit: '50', ...(before ? { before } : {}) })
	);
	return { inbox, paged: Boolean(before) };
};

export const actions: Actions = {
	read: async (event) => {
		const user = requireUser(event);
		const ids = (await event.request.formData()).getAll('id').map(String);
		try {
			await notifications.markRead(user, { ids });
		} catch (error) {
			return formFailure(error, {}, 'read');
		}
		return { form: 'read', success: 'Marked read.' };
	},
	readAll: async (event) => {
		const user = requireUser(event);
		const { marked } = await notifications.markRead(user, { all: true });
		return {
			form: 'read',
			success: marked === 0 ? 'Nothing was unread.' : `Marked ${marked} read.`
		};
	}
};
