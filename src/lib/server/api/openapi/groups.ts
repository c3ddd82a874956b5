import { json, csv, exampleId, type ApiRoute } from './route';
import * as groupSchemas from '$lib/schemas/groups';
import * as input from '../input';
import * as templates from '$lib/server/groups/templates';

export const groupsRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/organisations/{id}/groups',
		operationId: 'listOrganisationGroups',
		summary: "The organisation's group tree as the caller sees it",
		description:
			'Parents before children, siblings by name. A group whose parent the caller cannot see is at the top.',
		query: input.searchQuery,
		queryNotes: { search: 'Part of a name, or an exact idnumber; matches keep their ancestors.' },
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'post',
		path: '/organisations/{id}/groups/starter',
		operationId: 'applyStarterGroups',
		summary: 'Create the starter hierarchy: Staff (with roles) and Learners (one group per intake)',
		body: json(templates.starterInput, { intakes: ['2026 intake'] }),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'post',
		path: '/organisations/{id}/groups/import',
		operationId: 'importGroups',
		summary: 'Create groups from CSV; any error row blocks the whole file',
		description:
			'A parent may be an existing group or another row. Blocked files return 200 with `blocked: true` and nothing written.',
		body: csv('name, idnumber, description, parent_idnumber, kind'),
		query: input.csvImportQuery,
		queryNotes: { dryRun: 'true: report only, change nothing.' },
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 413, 415]
	},
	{
		method: 'get',
		path: '/organisations/{id}/groups/export',
		operationId: 'exportGroups',
		summary: "The organisation's groups the caller can see, as CSV that the import reads back",
		success: {
			status: 200,
			description: 'A CSV file (Content-Disposition: attachment).',
			content: 'csv'
		},
		errors: [401, 404]
	},
	{
		method: 'get',
		path: '/groups',
		operationId: 'listPlatformGroups',
		summary: 'Platform-wide groups the caller can see, in tree order',
		query: input.searchQuery,
		queryNotes: { search: 'Part of a name, or an exact idnumber; matches keep their ancestors.' },
		success: { status: 200, content: 'json' },
		errors: [400, 401]
	},
	{
		method: 'post',
		path: '/groups',
		operationId: 'createGroup',
		summary: 'Create a group at the top of a scope, or a sub-group of parentId',
		description:
			'A sub-group takes its parent’s scope. Without a parent, the scope follows from courseId, then organisationId, else platform (platform admins).',
		body: json(groupSchemas.groupCreate, { name: 'Study circle', kind: 'team' }),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'post',
		path: '/groups/messaging',
		operationId: 'setGroupMessaging',
		summary: 'Turn messaging on or off for many groups; all must be the caller’s to manage',
		body: json(input.messagingBody, { groupIds: [exampleId(1)], enabled: false }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'get',
		path: '/groups/{id}',
		operationId: 'getGroup',
		summary: 'One group',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'patch',
		path: '/groups/{id}',
		operationId: 'updateGroup',
		summary: 'Change some settings (group managers)',
		body: json(
			groupSchemas.groupUpdate,
			{ description: 'Tuesday lab' },
			{ description: 'Fields left out keep their values.' }
		),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'delete',
		path: '/groups/{id}',
		operationId: 'deleteGroup',
		summary: 'Delete a group with its sub-groups and memberships',
		description:
			'Send the counts from `GET /groups/{id}/delete-preview`: if the subtree has changed since, nothing is deleted and the answer is 409.',
		query: input.deleteExpectationQuery,
		queryNotes: {
			expectSubgroups: '`subgroups.length` of the preview.',
			expectMemberships: '`memberships` of the preview.'
		},
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409]
	},
	{
		method: 'get',
		path: '/groups/{id}/delete-preview',
		operationId: 'previewGroupDelete',
		summary: 'What deleting the group would take with it',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'get',
		path: '/groups/{id}/move-preview',
		operationId: 'previewGroupMove',
		summary:
			'What moving the group would do to linked courses: who would be enrolled, suspended or unenrolled (nothing changes)',
		query: input.movePreviewQuery,
		queryNotes: { parentId: 'The new parent; absent or empty for the top level.' },
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409]
	},
	{
		method: 'post',
		path: '/groups/{id}/move',
		operationId: 'moveGroup',
		summary: 'Move the group and its subtree under another group of the same scope, or to the top',
		body: json(groupSchemas.groupMove, { parentId: null }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'get',
		path: '/courses/{id}/groups',
		operationId: 'listCourseGroups',
		summary: "The course's group tree as the caller sees it",
		query: input.searchQuery,
		queryNotes: { search: 'Part of a name, or an exact idnumber; matches keep their ancestors.' },
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	}
];
