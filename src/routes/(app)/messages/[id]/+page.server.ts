import * as directMessages from '$lib/server/direct-messages';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { conversation, channel } = await orErrorPage(directMessages.get(user, event.params.id));
	// Opening the conversation reads its direct-message notifications (the bell follows).
	await directMessages.markNotificationsRead(user, conversation.id);
	return {
		conversation,
		channel,
		me: { id: user.id, displayName: user.displayName }
	};
};
