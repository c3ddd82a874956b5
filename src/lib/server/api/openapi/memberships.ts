import { json, csv, exampleId, type ApiRoute } from './route';
import * as groupSchemas from '$lib/schemas/groups';
import * as input from '../input';
import * as requests from '$lib/server/memberships/requests';
import * as invites from '$lib/server/memberships/invites';

export const membershipsRoutes: ApiRoute[] = [
	{
		method: 'post',
		path: '/organisations/{id}/memberships/import',
		operationId: 'importMemberships',
		summary: 'Add members or change roles from CSV; error rows are reported and skipped',
		body: csv('group_idnumber, email, role'),
		query: input.csvImportQuery,
		queryNotes: { dryRun: 'true: report only, change nothing.' },
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 413, 415]
	},
	{
		method: 'get',
		path: '/organisations/{id}/memberships/export',
		operationId: 'exportMemberships',
		summary: "Direct memberships of the organisation's groups that the caller may read, as CSV",
		success: {
			status: 200,
			description: 'A CSV file (Content-Disposition: attachment).',
			content: 'csv'
		},
		errors: [401, 404]
	},
	{
		method: 'get',
		path: '/groups/{id}/members',
		operationId: 'listGroupMembers',
		summary: 'Effective members: people in the group or any sub-group, each once',
		query: input.membersQuery,
		queryNotes: { search: 'Part of a name or email.' },
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'post',
		path: '/groups/{id}/members',
		operationId: 'addGroupMembers',
		summary: 'Add people by user id and/or email',
		description:
			"Emails of people the caller can see in the group's scope are added or updated in one transaction; every other email gets a one-use invitation (`invited`; `invitesAdmitOutsiders` says whether it can bring in someone from outside the organisation or course), the same answer whether or not an account has it. A size limit that would be passed refuses the whole change (409 `group_full`); so does the member limit of a grouping the group is in, open for sign-up or not (409 `over_limit`), unless course staff send `overLimit: true`. In an exclusive grouping a learner already in another of its groups is moved (when the caller may manage that group) and listed in `moved` with the group they left. Someone added by id from outside the organisation or course is refused (409 `outside_scope`).",
		body: json(groupSchemas.membersAdd, { emails: ['ada@example.com'], role: 'member' }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'delete',
		path: '/groups/{id}/members/{userId}',
		operationId: 'removeGroupMember',
		summary: 'Remove a direct member',
		success: { status: 204 },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/groups/{id}/members/role',
		operationId: 'setGroupMemberRole',
		summary: 'Give many direct members one role (only group managers make leaders)',
		body: json(groupSchemas.membersSetRole, { userIds: [exampleId(1)], role: 'leader' }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'post',
		path: '/groups/{id}/join',
		operationId: 'joinGroup',
		summary: 'Join an open group',
		success: { status: 200, content: 'json' },
		errors: [401, 403, 404, 409]
	},
	{
		method: 'post',
		path: '/groups/{id}/leave',
		operationId: 'leaveGroup',
		summary: 'Leave a group the caller is directly in',
		success: { status: 204 },
		errors: [401, 403, 404]
	},
	{
		method: 'get',
		path: '/groups/{id}/requests',
		operationId: 'listJoinRequests',
		summary: 'Pending requests to join (those who manage the members)',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/groups/{id}/requests',
		operationId: 'askToJoin',
		summary: 'Ask to join a group whose membership mode is request',
		body: json(requests.askSchema, { message: 'I am in the Tuesday lab.' }, { optional: true }),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 403, 404, 409, 415]
	},
	{
		method: 'post',
		path: '/groups/{id}/requests/decide',
		operationId: 'decideJoinRequests',
		summary: 'Approve (adding the people) or decline pending requests',
		body: json(requests.decideSchema, { requestIds: [exampleId(1)], approve: true }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'delete',
		path: '/requests/{id}',
		operationId: 'withdrawJoinRequest',
		summary: 'Withdraw the caller’s own pending request',
		success: { status: 204 },
		errors: [401, 404]
	},
	{
		method: 'get',
		path: '/groups/{id}/invites',
		operationId: 'listInvites',
		summary: "The group's invitations",
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/groups/{id}/invites',
		operationId: 'createInvite',
		summary: 'Create an invitation; the token is shown once',
		description:
			'Bound to an email, only that person may use it (once); otherwise anyone with the token, up to maxUses times (null: unlimited).',
		body: json(invites.createSchema, { email: null, maxUses: 10, expiresInDays: 14 }),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 404, 415]
	},
	{
		method: 'delete',
		path: '/invites/{id}',
		operationId: 'revokeInvite',
		summary: 'Withdraw an invitation',
		success: { status: 204 },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/invites/redeem',
		operationId: 'redeemInvite',
		summary: 'Join the invitation’s group as the caller',
		description:
			'An expired, used-up, withdrawn or someone else’s invitation is a 404 `invalid_invite`.',
		body: json(input.redeemBody, { token: 'the-token-from-the-link' }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	}
];
