import * as v from 'valibot';
import { json, type ApiRoute } from './route';
import * as resourceSchemas from '$lib/schemas/resources';
import * as resources from '$lib/server/resources';

export const resourcesRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/groups/{id}/resources',
		operationId: 'listResources',
		summary: 'The group’s library: resources, folders, tags and storage',
		query: resourceSchemas.resourceQuery,
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'post',
		path: '/groups/{id}/resources',
		operationId: 'shareLink',
		summary: 'Share a link (any reader of the group)',
		body: json(resourceSchemas.linkCreate, {
			title: 'Syllabus',
			url: 'https://example.com/syllabus',
			folder: 'Week 1',
			tags: ['reading']
		}),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'post',
		path: '/groups/{id}/resources/files',
		operationId: 'uploadFile',
		summary: 'Upload a file (any reader of the group)',
		description:
			'multipart/form-data with a `file` field (title, description, folder and tags fields before it), or the raw bytes with `?filename=` (and the details in the query). At most UPLOAD_MAX_BYTES (25 MB by default) and the group’s remaining quota (413 `too_large` / `quota_exceeded`). The type is found from the content and must match the name (415 `unsupported_file`); web pages, SVG and XML are refused; names with folders are refused (400 `unsafe_filename`). Scripts send the raw bytes (any Content-Type but the form types): a form post needs an Origin header naming this server.',
		body: { kind: 'upload', fields: resourceSchemas.fileDetails },
		query: resourceSchemas.fileDetails,
		extraQuery: [
			{
				name: 'filename',
				description: 'The file name, when the body is the raw bytes.',
				schema: { type: 'string' }
			}
		],
		success: { status: 201, content: 'json' },
		errors: [400, 401, 404, 413, 415]
	},
	{
		method: 'get',
		path: '/groups/{id}/resources/storage',
		operationId: 'getStorage',
		summary: 'The group’s storage: used, quota, left, and the largest file one upload may carry',
		description:
			'Readers of the group ask this before uploading (the chat composer does), so a file too large is refused before its bytes are sent.',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'put',
		path: '/groups/{id}/resources/storage',
		operationId: 'setStorageQuota',
		summary: 'Set the group’s storage quota (admins of its scope)',
		description:
			'A quota below what the group uses deletes nothing; uploads are refused until files are removed.',
		body: json(resources.quotaInput, { quotaBytes: 104857600 }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'get',
		path: '/groups/{id}/resources/{resourceId}',
		operationId: 'getResource',
		summary: 'One resource of the group',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'patch',
		path: '/groups/{id}/resources/{resourceId}',
		operationId: 'updateResource',
		summary: 'Change title, description, folder or tags (the sharer, moderators, admins)',
		body: json(
			v.partial(resourceSchemas.resourceUpdate),
			{ title: 'Syllabus (2026)' },
			{ description: 'Fields left out keep their values.' }
		),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'delete',
		path: '/groups/{id}/resources/{resourceId}',
		operationId: 'deleteResource',
		summary: 'Delete (the sharer, moderators, admins); a file’s bytes go too',
		success: { status: 204 },
		errors: [401, 404]
	},
	{
		method: 'get',
		path: '/groups/{id}/resources/{resourceId}/download',
		operationId: 'downloadResource',
		summary: 'The file, as an attachment (Content-Disposition), to readers of the group',
		success: {
			status: 200,
			description: 'The bytes, with the type found at upload and X-Content-Type-Options: nosniff.',
			content: 'file'
		},
		errors: [401, 404]
	}
];
