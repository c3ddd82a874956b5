import { redirect } from '@sveltejs/kit';
import * as directMessages from '$lib/server/direct-messages';
import { formFailure } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return { conversations: await orErrorPage(directMessages.list(user)) };
};

export const actions: Actions = {
	/** The "Message" and "Reply" buttons: opens (or creates) the conversation with `userId`s. */
	start: async (event) => {
		const user = requireUser(event);
		const userIds = (await event.request.formData()).getAll('userId').map(String);
		let opened;
		try {
			opened = await directMessages.start(user, { userIds });
		} catch (error) {
			return formFailure(error, {}, 'start');
		}
		redirect(303, `/messages/${opened.id}`);
	}
};
