import type { NotificationItem } from '$lib/realtime/events';

/**
 * The page's unread count and what arrived live since it loaded: the bell writes them, the
 * notifications page reads them, so both show the same number without a second socket.
 */
class NotificationCount {
	value = $state(0);
	arrived = $state<NotificationItem[]>([]);
}

export const notificationCount = new NotificationCount();
