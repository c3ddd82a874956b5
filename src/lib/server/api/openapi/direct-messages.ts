import { json, type ApiRoute } from './route';
import * as schemas from '$lib/schemas/direct-messages';

export const directMessagesRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/conversations',
		operationId: 'listMyConversations',
		summary:
			"The caller's direct conversations, the most recent first: the other people, the last message and the unread count",
		success: { status: 200, content: 'json' },
		errors: [401]
	},
	{
		method: 'post',
		path: '/conversations',
		operationId: 'startConversation',
		summary:
			'Open the conversation of the caller and these people (1 to 7 others), created the first time; the same people again get the same conversation',
		description:
			'Who may message whom is the database rule: people who share a group or course, leaders and the people they lead, course staff and their participants, organisation admins and their people; two learners only where their organisation allows it.',
		body: json(schemas.start, { userIds: ['00000000-0000-4000-8000-000000000000'] }),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 403, 415]
	},
	{
		method: 'get',
		path: '/conversations/{id}/messages',
		operationId: 'listConversationMessages',
		summary: "A page of a conversation's messages, oldest first within the page",
		query: schemas.historyQuery,
		queryNotes: {
			before: 'Only messages with a smaller seq (the next older page).',
			limit: '1 to 100, 50 by default.'
		},
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'post',
		path: '/conversations/{id}/messages',
		operationId: 'sendConversationMessage',
		summary:
			'Send a message to a conversation; a retry with the same clientId returns the stored message and stores nothing',
		body: json(schemas.send, {
			clientId: '00000000-0000-4000-8000-000000000001',
			body: 'Hello!'
		}),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 403, 404, 409, 415, 429]
	}
];
