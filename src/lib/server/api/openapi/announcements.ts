import { json, exampleId, type ApiRoute } from './route';
import * as announcementSchemas from '$lib/schemas/announcements';
import * as input from '../input';
import * as announcements from '$lib/server/announcements';

export const announcementsRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/groups/{id}/announcements',
		operationId: 'listAnnouncements',
		summary: 'The group’s announcements feed',
		description:
			'The group’s own announcements and its ancestors’ sent to sub-groups too; pinned first, then newest first. Scheduled ones are listed only for those who may post. Page back with `before` (a publishAt from the last page).',
		query: announcements.feedQuery,
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'post',
		path: '/groups/{id}/announcements',
		operationId: 'createAnnouncement',
		summary: 'Post an announcement (admins, and leaders where the group lets them)',
		description:
			'Without publishAt it goes out at once: live to the group’s sockets and by email (a background job) to members who want announcement emails. With publishAt (at most a year ahead) it goes out then.',
		body: json(announcementSchemas.announcementCreate, {
			title: 'Room change',
			body: 'We meet in B12 this week.',
			pinned: false
		}),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'post',
		path: '/groups/{id}/announcements/seen',
		operationId: 'markAnnouncementsSeen',
		summary: 'Mark announcements as seen by the caller',
		body: json(input.announcementsSeenBody, { ids: [exampleId(1)] }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'get',
		path: '/groups/{id}/announcements/{announcementId}',
		operationId: 'getAnnouncement',
		summary: "One announcement of the group's feed",
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'patch',
		path: '/groups/{id}/announcements/{announcementId}',
		operationId: 'updateAnnouncement',
		summary: 'Edit, reschedule, pin or unpin',
		description:
			'Any of title, body, publishAt and pinned. A new title or body of an announcement that has gone out is shown with `editedAt` and pushed live (`announcement:updated`); emails already sent stay as they were. Only a scheduled announcement takes a new publishAt (409 `published` otherwise), a time ahead and at most a year away.',
		body: json(announcementSchemas.announcementEdit, { title: 'Room change: B14', pinned: true }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'delete',
		path: '/groups/{id}/announcements/{announcementId}',
		operationId: 'deleteAnnouncement',
		summary: 'Delete an announcement',
		success: { status: 204 },
		errors: [401, 404]
	},
	{
		method: 'get',
		path: '/groups/{id}/announcements/{announcementId}/seen-by',
		operationId: 'announcementSeenBy',
		summary: '“Seen by N of M”, for those who may post in the group',
		description:
			'The audience is the group’s members (its whole subtree’s when sent to sub-groups too), without the author.',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	}
];
