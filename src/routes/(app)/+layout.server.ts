import { requireUser } from '$lib/server/guards';
import * as directMessages from '$lib/server/direct-messages';
import * as notifications from '$lib/server/notifications';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	const [unreadNotifications, unreadMessages] = await Promise.all([
		notifications.unreadCount(user),
		directMessages.unreadCount(user)
	]);
	return { user, unreadNotifications, unreadMessages };
};
