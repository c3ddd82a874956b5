import { json, csv, type ApiRoute } from './route';
import * as organisationSchemas from '$lib/schemas/organisations';
import * as input from '../input';
import * as enrolments from '$lib/server/enrolments';

export const enrolmentsRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/courses/{id}/enrolments',
		operationId: 'listEnrolments',
		summary: 'Participants of the course, filtered and paged',
		query: organisationSchemas.participantsQuery,
		queryNotes: {
			search: 'Part of a name or email.',
			groupIds: 'Course group ids separated by commas.',
			match: 'In any, all or none of groupIds (with noGroup counted as one more choice).',
			noGroup: 'The choice "in no group of the course".'
		},
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'post',
		path: '/courses/{id}/enrolments',
		operationId: 'enrol',
		summary: 'Enrol people by user id, or by email with a per-row report',
		description:
			'With `emails`, every address gets a row in the report (enrol, update, unchanged or error); rows with errors are skipped, the rest applied in one transaction. `dryRun: true` returns the report without applying.',
		body: json(input.enrolmentCreate, {
			emails: ['ada@example.com'],
			role: 'learner',
			dryRun: true
		}),
		success: {
			status: 200,
			description: 'A count for `userIds`, the per-row report for `emails`.',
			content: 'json'
		},
		errors: [400, 401, 404, 413, 415]
	},
	{
		method: 'post',
		path: '/courses/{id}/enrolments/csv',
		operationId: 'enrolCsv',
		summary: 'Enrol from a CSV of email[,role] rows (a header row is recognised)',
		body: csv('email, role'),
		query: input.csvQuery,
		queryNotes: {
			dryRun: 'true: report only, enrol nobody.',
			role: 'The role of rows without one.'
		},
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 413, 415]
	},
	{
		method: 'patch',
		path: '/courses/{id}/enrolments/{userId}',
		operationId: 'updateEnrolment',
		summary: "Change a participant's role or status",
		body: json(enrolments.enrolmentUpdate, { role: 'assistant' }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'delete',
		path: '/courses/{id}/enrolments/{userId}',
		operationId: 'unenrol',
		summary: 'Unenrol a participant',
		success: { status: 204 },
		errors: [401, 404]
	}
];
