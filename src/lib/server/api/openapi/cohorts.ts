import * as v from 'valibot';
import { json, exampleId, type ApiRoute } from './route';
import * as groupSchemas from '$lib/schemas/groups';

export const cohortsRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/courses/{id}/links',
		operationId: 'listCourseLinks',
		summary: 'Groups linked to the course (course staff)',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/courses/{id}/links',
		operationId: 'linkGroupToCourse',
		summary: 'Link a group (sub-groups included): its members are enrolled now and kept in step',
		description:
			'With `groupIds` instead of `groupId`, links several groups in one step, all or none, and answers `{ items }`. ' +
			'`target` places the people in a course group: an existing one, `new` (one "<group> cohort" per linked group) or none.',
		body: json(
			groupSchemas.courseLinkCreate,
			{ groupId: exampleId(1), courseRole: 'learner', target: '', removalPolicy: 'suspend' },
			{
				// One closed object for both forms: groupId (one link) or groupIds (several).
				document: v.strictObject({
					...groupSchemas.courseLinkCreate.entries,
					groupId: v.optional(groupSchemas.courseLinkCreate.entries.groupId),
					groupIds: v.optional(groupSchemas.courseLinksCreate.entries.groupIds)
				})
			}
		),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'get',
		path: '/links/{id}',
		operationId: 'getCourseLink',
		summary: 'One course link',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'patch',
		path: '/links/{id}',
		operationId: 'updateCourseLink',
		summary: 'Change the course role, the removal policy or the target course group',
		body: json(
			groupSchemas.courseLinkUpdate,
			{ target: 'new' },
			{
				description:
					'Fields left out keep their values. A new target takes the link’s people at once (the old one loses those only this link placed there); a new role applies to the enrolments only this link brought.'
			}
		),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'delete',
		path: '/links/{id}',
		operationId: 'unlinkCourseLink',
		summary: 'Unlink; only enrolments that came from this link follow its removal policy',
		success: { status: 204 },
		errors: [401, 404]
	}
];
