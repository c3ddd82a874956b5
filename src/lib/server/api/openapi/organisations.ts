import * as v from 'valibot';
import { json, type ApiRoute } from './route';
import * as organisationSchemas from '$lib/schemas/organisations';

export const organisationsRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/organisations',
		operationId: 'listOrganisations',
		summary: 'Organisations the caller can see',
		success: { status: 200, content: 'json' },
		errors: [401]
	},
	{
		method: 'post',
		path: '/organisations',
		operationId: 'createOrganisation',
		summary: 'Create an organisation (platform admins)',
		body: json(organisationSchemas.organisationCreate, {
			name: 'North College',
			slug: 'north-college',
			description: ''
		}),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'get',
		path: '/organisations/{id}',
		operationId: 'getOrganisation',
		summary: 'One organisation',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'patch',
		path: '/organisations/{id}',
		operationId: 'updateOrganisation',
		summary: 'Change some of name, slug, description (organisation admins)',
		body: json(
			v.partial(organisationSchemas.organisationCreate),
			{ description: 'Two campuses, one library.' },
			{ description: 'Fields left out keep their values.' }
		),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'put',
		path: '/organisations/{id}/email-visibility',
		operationId: 'setOrganisationEmailVisibility',
		summary: "Whether learners see other learners' email addresses (organisation admins)",
		description:
			'Off by default. Staff, leaders and admins always see the addresses of the people they teach, lead or manage; every list of people reads the same database rule.',
		body: json(organisationSchemas.organisationEmailVisibility, { learnersSeeEmails: true }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'get',
		path: '/organisations/{id}/members',
		operationId: 'listOrganisationMembers',
		summary: 'Members of the organisation',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/organisations/{id}/members',
		operationId: 'addOrganisationMember',
		summary: 'Add a person by email, or change the role of a member',
		description: 'Only platform admins make organisation admins.',
		body: json(organisationSchemas.organisationMemberAdd, {
			email: 'ada@example.com',
			role: 'member'
		}),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'delete',
		path: '/organisations/{id}/members/{userId}',
		operationId: 'removeOrganisationMember',
		summary: 'Remove a member of the organisation',
		success: { status: 204 },
		errors: [401, 404]
	}
];
