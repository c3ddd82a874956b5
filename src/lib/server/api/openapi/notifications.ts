import { json, type ApiRoute } from './route';
import * as schemas from '$lib/schemas/notifications';

export const notificationsRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/me/notifications',
		operationId: 'listMyNotifications',
		summary:
			"The caller's notifications (mentions, announcements, membership changes, request decisions, sign-ups, course messages), newest first, with the unread count",
		query: schemas.listQuery,
		queryNotes: {
			limit: '1 to 100, 30 by default.',
			before: 'The id of the last notification of the previous page.',
			unread: 'true: unread only.'
		},
		success: { status: 200, content: 'json' },
		errors: [400, 401]
	},
	{
		method: 'post',
		path: '/me/notifications/read',
		operationId: 'markMyNotificationsRead',
		summary:
			"Mark some (ids) or all of the caller's notifications read; ids of other people's notifications change nothing",
		body: json(schemas.markRead, { all: true }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 415]
	},
	{
		method: 'get',
		path: '/me/notification-preferences',
		operationId: 'getMyNotificationPreferences',
		summary: 'How the caller gets each kind of notification',
		success: { status: 200, content: 'json' },
		errors: [401]
	},
	{
		method: 'put',
		path: '/me/notification-preferences',
		operationId: 'setMyNotificationPreferences',
		summary:
			'Change the delivery of the kinds given (in_app, email, digest or off; course_message: in_app or off); the others stay',
		body: json(schemas.preferencesUpdate, { mention: 'digest' }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 415]
	}
];
