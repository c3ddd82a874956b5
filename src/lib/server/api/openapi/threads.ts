import { json, type ApiRoute } from './route';
import * as chatSchemas from '$lib/schemas/chat';

export const threadsRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/messages/{id}/replies',
		operationId: 'listThreadReplies',
		summary:
			'A thread: its root message, its replies in order (a page after afterSeq) and whether the caller follows it',
		query: chatSchemas.threadQuery,
		queryNotes: {
			afterSeq:
				'Replies after this channel seq (the last reply of the previous page); 0 by default.',
			limit: '1 to 200, 200 by default.'
		},
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409]
	},
	{
		method: 'put',
		path: '/messages/{id}/follow',
		operationId: 'followThread',
		summary:
			'Follow or unfollow the thread of a message the caller can read (followers get its replies as notifications)',
		body: json(chatSchemas.followBody, { following: true }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'get',
		path: '/channels/{id}/mentionables',
		operationId: 'listMentionables',
		summary:
			'The people the caller may @mention in a channel, and whether they may use @channel there (leaders, staff, admins)',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	}
];
