import { csv, exampleId, json, type ApiRoute } from './route';
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
			'With `emails`, every address gets a row in the report (enrol, update, unchanged, invite or error); rows with errors are skipped, the rest applied in one transaction. An address of nobody the caller can see is an `invite` row, the same whether or not it has an account: applying emails it a one-use invitation to enrol. `dryRun: true` returns the report without applying.',
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
		path: '/courses/{id}/enrolments',
		operationId: 'updateEnrolments',
		summary: "Change several participants' role or status at once (all or nothing)",
		description:
			"The participants list's one Save. Every change is applied in one transaction, or none is: a change naming someone not enrolled in the course answers 409 (`not_enrolled`) with an issue per such change (`changes.N.userId`), and nothing is saved. A person may appear once. The answer lists the enrolments that changed (`updated`) and counts the changes that asked for what already was (`unchanged`).",
		body: json(enrolments.enrolmentChanges, {
			changes: [
				{ userId: exampleId(1), role: 'assistant' },
				{ userId: exampleId(2), status: 'suspended' }
			]
		}),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
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
