import * as v from 'valibot';
import type { ApiRoute } from './route';
import * as dashboard from '$lib/server/dashboard';

export const dashboardRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/groups/{id}/dashboard',
		operationId: 'getDashboard',
		summary:
			"The group's learners × courses: progress, last activity, overdue, at-risk (leaders see only the people they lead)",
		query: dashboard.dashboardQuery,
		queryNotes: { courseId: 'One course only.' },
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'get',
		path: '/groups/{id}/dashboard/distribution',
		operationId: 'getProgressDistribution',
		summary: 'Learner enrolments per 10-point progress band',
		query: v.pick(dashboard.dashboardQuery, ['courseId']),
		queryNotes: { courseId: 'One course only.' },
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'get',
		path: '/groups/{id}/dashboard/over-time',
		operationId: 'getProgressOverTime',
		summary: 'Completions per day and pooled progress at the end of each day',
		query: v.pick(dashboard.dashboardQuery, ['courseId']),
		queryNotes: { courseId: 'One course only.' },
		extraQuery: [
			{
				name: 'days',
				description: 'How many days back, 1 to 365.',
				schema: { type: 'integer', minimum: 1, maximum: 365, default: 30 }
			}
		],
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'get',
		path: '/groups/{id}/dashboard/csv',
		operationId: 'exportDashboard',
		summary: 'The dashboard as CSV (same query)',
		query: dashboard.dashboardQuery,
		queryNotes: { courseId: 'One course only.' },
		success: {
			status: 200,
			description: 'A CSV file (Content-Disposition: attachment).',
			content: 'csv'
		},
		errors: [400, 401, 404]
	},
	{
		method: 'get',
		path: '/groups/{id}/dashboard/learners/{userId}',
		operationId: 'getDashboardLearner',
		summary: 'One learner of the group, course by course, activity by activity',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	}
];
