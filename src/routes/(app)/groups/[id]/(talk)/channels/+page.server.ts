import { error, redirect } from '@sveltejs/kit';
import * as chat from '$lib/server/chat';
import { formFailure, formValues } from '$lib/server/forms';
import { requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

/** The channels page opens `general` (or the first chat channel there is). */
export const load: PageServerLoad = async (event) => {
	const { channels } = await event.parent();
	const first =
		channels.find((channel) => channel.kind === 'chat' && channel.name === 'general') ??
		channels.find((channel) => channel.kind === 'chat' && !channel.archivedAt);
	if (!first) redirect(303, `/groups/${event.params.id}/announcements`);
	redirect(303, `/groups/${event.params.id}/channels/${first.id}`);
};

export const actions: Actions = {
	createChannel: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['name']);
		let id: string;
		try {
			({ id } = await chat.createChannel(user, event.params.id, values.name));
		} catch (caught) {
			return formFailure(caught, values, 'createChannel');
		}
		redirect(303, `/groups/${event.params.id}/channels/${id}`);
	},
	archive: async (event) => {
		const user = requireUser(event);
		const { channelId } = formValues(await event.request.formData(), ['channelId']);
		if (!channelId) error(400, 'Choose the channel to archive.');
		try {
			await chat.archiveChannel(user, channelId);
		} catch (caught) {
			return formFailure(caught, {}, 'archive');
		}
		redirect(303, `/groups/${event.params.id}/channels`);
	}
};
