import { json, exampleId, type ApiRoute } from './route';
import * as learnerGroupSchemas from '$lib/schemas/learner-groups';
import * as input from '../input';

export const learnerGroupsRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/courses/{id}/progress-settings',
		operationId: 'getProgressSettings',
		summary: 'Whether learner groups are on, and the inactivity threshold',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'patch',
		path: '/courses/{id}/progress-settings',
		operationId: 'updateProgressSettings',
		summary: 'Switch learner groups on or off; set the inactivity threshold (course staff, admins)',
		body: json(learnerGroupSchemas.settingsUpdate, { learnerGroupsEnabled: true, inactiveDays: 7 }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'get',
		path: '/courses/{id}/learner-groups',
		operationId: 'listLearnerGroups',
		summary: "The course's learner groups (course staff)",
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/courses/{id}/learner-groups',
		operationId: 'createLearnerGroup',
		summary: 'Create a learner group from criteria and fill it (learner groups must be on)',
		body: json(learnerGroupSchemas.learnerGroupCreate, {
			name: 'Falling behind',
			criteria: { all: [{ type: 'progress', op: 'below', percent: 40 }] },
			refreshMode: 'dynamic',
			cadenceMinutes: 60
		}),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'post',
		path: '/courses/{id}/learner-groups/preview',
		operationId: 'previewLearnerGroup',
		summary: 'Count and a sample of names matching criteria now; changes nothing',
		body: json(learnerGroupSchemas.criteria, { all: [{ type: 'inactive', days: 7 }] }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'post',
		path: '/courses/{id}/learner-groups/not-started',
		operationId: 'createNotStartedGroup',
		summary:
			'Create the default "Not started" learner group (active learners with no completion), once',
		success: { status: 201, content: 'json' },
		errors: [401, 404, 409]
	},
	{
		method: 'get',
		path: '/learner-groups/{id}',
		operationId: 'getLearnerGroup',
		summary: 'A learner group with its members and latest refreshes',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'patch',
		path: '/learner-groups/{id}',
		operationId: 'updateLearnerGroup',
		summary: 'Change name, criteria, mode or cadence; changed criteria refresh at once',
		body: json(learnerGroupSchemas.learnerGroupUpdate, { name: 'Behind in week 3' }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'delete',
		path: '/learner-groups/{id}',
		operationId: 'deleteLearnerGroup',
		summary: 'Delete a learner group (interventions keep its name)',
		success: { status: 204 },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/learner-groups/{id}/refresh',
		operationId: 'refreshLearnerGroup',
		summary: 'Refresh now: one set-based diff; returns how many were added and removed',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'get',
		path: '/learner-groups/{id}/refreshes',
		operationId: 'listLearnerGroupRefreshes',
		summary: 'Who each refresh added and removed, when and why',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'put',
		path: '/learner-groups/{id}/link',
		operationId: 'linkLearnerGroup',
		summary:
			'Place the learner group under a course group (its members become effective members there)',
		body: json(learnerGroupSchemas.linkGroup, { parentId: null }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'get',
		path: '/learner-groups/{id}/interventions',
		operationId: 'listInterventions',
		summary:
			'Messages sent to the group: who sent what, when, to how many, and how many recipients have seen it (seenCount)',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/learner-groups/{id}/interventions',
		operationId: 'sendIntervention',
		summary:
			"Send a message to the group's current members: posted to the group's announcements (members read it without the group's name, live as course-message:new) and emailed once each",
		body: json(learnerGroupSchemas.interventionCreate, {
			subject: 'Catch up this week',
			body: 'The week 3 quiz closes on Friday.'
		}),
		success: { status: 201, description: 'Sent', content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'get',
		path: '/me/interventions',
		operationId: 'listMyInterventions',
		summary:
			'Messages course staff sent to the caller through learner groups (the course and sender, never the group)',
		success: { status: 200, content: 'json' },
		errors: [401]
	},
	{
		method: 'post',
		path: '/me/interventions/seen',
		operationId: 'markMyInterventionsSeen',
		summary:
			'Mark messages the caller received as seen (ids of other messages, or of ones sent before announcements, are ignored)',
		body: json(input.interventionsSeenBody, { ids: [exampleId(1)] }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 415]
	}
];
