import * as v from 'valibot';
import { json, type ApiRoute } from './route';
import * as organisationSchemas from '$lib/schemas/organisations';

export const coursesRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/organisations/{id}/courses',
		operationId: 'listOrganisationCourses',
		summary: 'Courses of the organisation the caller can see',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/organisations/{id}/courses',
		operationId: 'createCourse',
		summary: 'Create a course (organisation admins)',
		body: json(organisationSchemas.courseCreate, {
			code: 'BIO101',
			name: 'Biology',
			description: ''
		}),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'get',
		path: '/courses',
		operationId: 'listMyCourses',
		summary: 'The courses the caller is enrolled in',
		success: { status: 200, content: 'json' },
		errors: [401]
	},
	{
		method: 'get',
		path: '/courses/{id}',
		operationId: 'getCourse',
		summary: 'One course',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'patch',
		path: '/courses/{id}',
		operationId: 'updateCourse',
		summary: 'Change some of code, name, description (course managers)',
		body: json(
			v.partial(organisationSchemas.courseCreate),
			{ name: 'Biology I' },
			{ description: 'Fields left out keep their values.' }
		),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'delete',
		path: '/courses/{id}',
		operationId: 'deleteCourse',
		summary: 'Delete a course and its enrolments (organisation admins)',
		success: { status: 204 },
		errors: [401, 404]
	}
];
