import { requireUser } from '$lib/server/guards';
import * as notifications from '$lib/server/notifications';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	return { user, unreadNotifications: await notifications.unreadCount(user) };
};
