import { requireUser } from '$lib/server/guards';
import * as directMessages from '$lib/server/direct-messages';
import * as notifications from '$lib/server/notifications';
import { DEFAULT_TIME_ZONE } from '$lib/time';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	const [unreadNotifications, unreadMessages] = await Promise.all([
		notifications.unreadCount(user),
		directMessages.unreadCount(user)
	]);
	// Every date on every page is in this zone (src/lib/time.ts); null until chosen or taken from
	// the browser at the first page.
	const chosenTimeZone = user.timeZone ?? null;
	return {
		user,
		unreadNotifications,
		unreadMessages,
		timeZone: chosenTimeZone ?? DEFAULT_TIME_ZONE,
		chosenTimeZone
	};
};
