import * as v from 'valibot';
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
		path: '/me/contacts',
		operationId: 'searchContacts',
		summary:
			'People the caller may message whose name contains q (at most 20, by name): ids and names, never emails',
		description:
			'Names match without case or accents ("ines" finds Inès). Drawn from the caller’s groups, the groups they lead, their courses and the organisations they administer, kept only where the messaging rule allows it.',
		query: schemas.contactsQuery,
		queryNotes: { q: 'Part of a name, 1 to 100 characters.' },
		success: { status: 200, content: 'json' },
		errors: [400, 401]
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
	},
	{
		method: 'post',
		path: '/conversations/{id}/files',
		operationId: 'uploadConversationFile',
		summary:
			'Upload a file into a conversation, to send with a message (its id as the attachmentId of a send)',
		description:
			'multipart/form-data with a `file` field, or the raw bytes with `?filename=`. At most UPLOAD_MAX_BYTES (25 MB by default) and what is left of the conversation’s 256 MiB (413 `too_large` / `quota_exceeded`). The type is found from the content and must match the name (415 `unsupported_file`), as for a group’s files. Only the people in the conversation who may still post in it (403 otherwise). A file never sent is removed after a day; deleting its message deletes it.',
		body: { kind: 'upload', fields: v.strictObject({}) },
		extraQuery: [
			{
				name: 'filename',
				description: 'The file name, when the body is the raw bytes.',
				schema: { type: 'string' }
			}
		],
		success: { status: 201, content: 'json' },
		errors: [400, 401, 403, 404, 413, 415]
	},
	{
		method: 'get',
		path: '/conversations/{id}/files/{fileId}',
		operationId: 'downloadConversationFile',
		summary:
			'A file sent in the conversation, as an attachment (Content-Disposition), to its people',
		success: {
			status: 200,
			description: 'The bytes, with the type found at upload and X-Content-Type-Options: nosniff.',
			content: 'file'
		},
		errors: [401, 404]
	},
	{
		method: 'get',
		path: '/conversations/{id}/storage',
		operationId: 'getConversationStorage',
		summary:
			'The conversation’s storage: used, quota, left, and the largest file one upload may carry',
		description:
			'The composer asks this before uploading, so a file too large is refused before its bytes are sent.',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	}
];
