import * as v from 'valibot';
import { json, exampleId, type ApiRoute } from './route';
import * as progressSchemas from '$lib/schemas/progress';
import * as input from '../input';

export const progressRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/courses/{id}/activities',
		operationId: 'listActivities',
		summary: 'Activities the caller may open, locked ones (no group named), and their progress',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/courses/{id}/activities',
		operationId: 'createActivity',
		summary: 'Add an activity (course managers)',
		body: json(progressSchemas.activityCreate, {
			title: 'Week 1 reading',
			idnumber: 'week-1',
			type: 'page',
			selfCompletion: true,
			restrictedToAnyGroup: true,
			hiddenWhenClosed: ['anyGroup'],
			groupMode: 'separate'
		}),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'get',
		path: '/activities/{id}',
		operationId: 'getActivity',
		summary: 'One activity the caller may open',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'patch',
		path: '/activities/{id}',
		operationId: 'updateActivity',
		summary:
			'Change an activity; restrictedTo / restrictedToGroupings / restrictedToAnyGroup replace those restrictions, hiddenWhenClosed says which hide it (course managers)',
		body: json(progressSchemas.activityUpdate, { title: 'Week 1 reading (revised)' }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'delete',
		path: '/activities/{id}',
		operationId: 'deleteActivity',
		summary: 'Delete an activity and its completions (course managers)',
		success: { status: 204 },
		errors: [401, 404]
	},
	{
		method: 'get',
		path: '/activities/{id}/completions',
		operationId: 'listCompletions',
		summary:
			"The learners' completions and scores for the activity as its group mode lets the caller see them, with the groups they may pick (course staff)",
		query: input.completionsQuery,
		queryNotes: { groupId: "One of the groups in the answer's groupView.groups." },
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'post',
		path: '/activities/{id}/completions',
		operationId: 'recordCompletion',
		summary:
			"Record a learner's completion and/or score (course staff; in separate group mode, staff without access to all groups record only learners who share a group with them)",
		body: json(progressSchemas.completionRecord, {
			userId: exampleId(1),
			completed: true,
			score: 8
		}),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 403, 404, 415]
	},
	{
		method: 'put',
		path: '/activities/{id}/completion',
		operationId: 'markComplete',
		summary: 'Mark the activity complete for the caller (where it allows self-completion)',
		success: { status: 200, content: 'json' },
		errors: [401, 403, 404]
	},
	{
		method: 'delete',
		path: '/activities/{id}/completion',
		operationId: 'unmarkComplete',
		summary: "Take back the caller's own mark",
		success: { status: 204 },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/courses/{id}/events',
		operationId: 'recordLearnerEvent',
		summary: 'Record a course view or a post by the caller',
		body: json(input.learnerEventBody, { kind: 'course_view' }),
		success: { status: 201, description: 'Recorded', content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'post',
		path: '/ingest/statements',
		operationId: 'ingestStatements',
		summary:
			'Completion and score statements from another system, up to 1,000 per batch, with a result per statement',
		body: json(
			progressSchemas.statementBatch,
			{
				statements: [
					{
						id: 'statement-1',
						actor: { email: 'ada@example.com' },
						activity: { idnumber: 'quiz-1' },
						verb: 'scored',
						score: 8
					}
				]
			},
			{
				document: v.strictObject({
					...progressSchemas.statementBatch.entries,
					statements: v.pipe(
						v.array(progressSchemas.statement),
						v.minLength(1),
						v.maxLength(progressSchemas.MAX_STATEMENTS)
					)
				})
			}
		),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 415]
	}
];
