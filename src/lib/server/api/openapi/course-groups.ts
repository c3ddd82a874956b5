import { json, csv, exampleId, type ApiRoute } from './route';
import * as courseGroupSchemas from '$lib/schemas/course-groups';
import * as input from '../input';

export const courseGroupsRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/courses/{id}/groupings',
		operationId: 'listGroupings',
		summary: "The course's groupings with their groups",
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/courses/{id}/groupings',
		operationId: 'createGrouping',
		summary: 'Create a grouping (course managers)',
		body: json(courseGroupSchemas.groupingCreate, {
			name: 'Seminars',
			idnumber: 'SEM',
			exclusive: true
		}),
		success: { status: 201, description: 'Created.', content: 'json' },
		errors: [400, 401, 404, 409]
	},
	{
		method: 'get',
		path: '/groupings/{id}',
		operationId: 'getGrouping',
		summary: 'One grouping with its groups',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'patch',
		path: '/groupings/{id}',
		operationId: 'updateGrouping',
		summary: 'Change some of name, idnumber, description, exclusive (course managers)',
		description:
			'Making a grouping exclusive is refused (409, naming the person and groups) while someone is in two of its groups.',
		body: json(courseGroupSchemas.groupingUpdate, { name: 'Seminar groups' }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409]
	},
	{
		method: 'delete',
		path: '/groupings/{id}',
		operationId: 'deleteGrouping',
		summary: 'Delete a grouping into the bin with its groups, for 30 days',
		description:
			"Puts the grouping in the course's bin with its groups that no other grouping holds (and their sub-groups): they leave every list, channel and socket room at once, their memberships are kept, and `POST /courses/{id}/bin/{groupingId}/restore` brings them back until a daily job deletes them 30 days later. Answers `{ binned, groupCount, memberCount, purgeAt }`; `GET /groupings/{id}/delete-preview` says the same before.",
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/groupings/{id}/groups',
		operationId: 'addToGrouping',
		summary: 'Put groups in the grouping',
		description:
			'Groups of the grouping’s course only (400 otherwise). An exclusive grouping refuses groups that would put someone in two of its groups (409).',
		body: json(input.groupIdsBody, { groupIds: [exampleId(1)] }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409]
	},
	{
		method: 'delete',
		path: '/groupings/{id}/groups',
		operationId: 'removeFromGrouping',
		summary: 'Take groups out of the grouping; the groups stay in the course',
		body: json(input.groupIdsBody, { groupIds: [exampleId(1)] }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'put',
		path: '/groupings/{id}/signup',
		operationId: 'updateSignup',
		summary: 'Open or close self sign-up; every field is replaced',
		body: json(courseGroupSchemas.signupSettings, {
			open: true,
			sizeLimit: 5,
			opensAt: null,
			closesAt: null,
			autoLeader: 'first'
		}),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	},
	{
		method: 'post',
		path: '/groupings/{id}/signup/assign',
		operationId: 'assignUnassigned',
		summary: "Put every unassigned learner in the grouping's groups",
		description:
			'Puts every active learner in none of the grouping’s groups into them, smallest group first, never past a place limit (the group’s own, or the grouping’s member limit whether or not sign-up is open), and answers `{ assigned, leftOver }`. When more learners wait than `ASSIGN_UNASSIGNED_JOB_THRESHOLD` (300 by default), it queues a job instead and answers 202 `{ run }` (or the run already under way); `GET` on the same path reads its progress.',
		success: {
			status: 200,
			description: '`{ assigned, leftOver }`, or 202 `{ run }` for a job.',
			content: 'json'
		},
		errors: [401, 404, 409]
	},
	{
		method: 'get',
		path: '/groupings/{id}/signup/assign',
		operationId: 'assignUnassignedProgress',
		summary: 'The grouping\'s latest "Assign unassigned" job and its progress',
		description:
			'`{ run }`: `status` (queued, running, done, failed), `total` learners waiting when it was queued, `processed` and `assigned` so far, `leftOver` (people no group had a place for), `error`; `run` is null when the grouping never had a job. Course managers only.',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'get',
		path: '/courses/{id}/signup',
		operationId: 'signupView',
		summary: 'Groupings open for self sign-up',
		description: 'Groupings open for self sign-up, with places left and the caller’s own groups.',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'post',
		path: '/groups/{id}/signup',
		operationId: 'signUp',
		summary: 'Sign up to a group of a grouping open for sign-up',
		description:
			'Joins a group of a grouping open for sign-up. 409 `group_full` ("The group is full."), `signup_closed` outside the dates, `already_member`. In an exclusive grouping the caller moves and `movedFrom` names the old group.',
		success: { status: 201, description: 'Joined.', content: 'json' },
		errors: [401, 404, 409]
	},
	{
		method: 'delete',
		path: '/groups/{id}/signup',
		operationId: 'leaveSignup',
		summary: 'Leave a group while sign-up is open',
		success: { status: 200, content: 'json' },
		errors: [401, 404, 409]
	},
	{
		method: 'post',
		path: '/courses/{id}/auto-groups',
		operationId: 'autoCreateGroups',
		summary: 'Create groups automatically (or preview them with ?dryRun=true)',
		description:
			'Random allocation is reproducible: the preview returns its `seed`; send it back to create exactly the previewed groups. Alphabetical sorts by last name (the last word of the display name), then first name. Everything is created in one transaction.',
		body: json(courseGroupSchemas.autoCreateOptions, {
			by: 'groups',
			count: 2,
			naming: 'Group @',
			allocation: 'random',
			seed: 42
		}),
		query: input.autoGroupsQuery,
		queryNotes: { dryRun: 'true: report only, change nothing.' },
		success: {
			status: 201,
			description: 'Created; with dryRun=true, 200 and the preview.',
			content: 'json'
		},
		errors: [400, 401, 404, 409, 413, 422]
	},
	{
		method: 'get',
		path: '/courses/{id}/groups-overview',
		operationId: 'groupsOverview',
		summary: 'Groupings with their groups and members, and people in no group (JSON or CSV)',
		description:
			'Each grouping with its groups and members, then groups in no grouping, then active participants in no group (only without a filter). Course staff and admins only (a learner gets 404).',
		query: input.overviewQuery,
		success: {
			status: 200,
			description: 'The overview (JSON), or with format=csv a CSV attachment.',
			content: 'json'
		},
		errors: [400, 401, 404]
	},
	{
		method: 'post',
		path: '/courses/{id}/group-imports',
		operationId: 'importCourseGroups',
		summary: 'Create course groups from CSV, with a report per row',
		description:
			'A report per row (`rows`: created, created_without_idnumber (the idnumber is taken), skipped or error) and the columns read past (`ignoredColumns`, each with its reason). Error rows are skipped; groupings named in groupingname are created when missing; members are emails of course participants separated by ; , or spaces. ' +
			"Moodle's and Canvas's column names are accepted: groupidnumber or group_id (the group's ID number; Moodle's idnumber is then the course's), group_category or group set name (the grouping), enablemessaging (1/0), visibility (Moodle's 0–3 or scope, members, own, hidden), and coursename, course_id or a course ID number: the code of another course of the organisation the caller manages, per row (an unknown one is an error row). " +
			"Canvas's one-row-per-person export (name, canvas_user_id, user_id, login_id, sections, group_name, canvas_group_id, group_id) works too: with a login_id or user_id column, rows of the same group (by group_id, else group_name) make one group with one report row (its first line, `memberCount` its members); each person is found among the course's participants by login_id (their email) or user_id (their ID number); one not found is named with its line in the group's message and left out; a row with a person and no group (unassigned) is a `skipped` row.",
		body: csv(
			'groupname, description, idnumber, groupingname, members, coursename, enablemessaging, visibility, or login_id, user_id, group_name, group_id for a row per person'
		),
		query: input.csvImportQuery,
		queryNotes: { dryRun: 'true: report only, change nothing.' },
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 413, 415]
	},
	{
		method: 'post',
		path: '/courses/{id}/participants/groups',
		operationId: 'participantsGroupAction',
		summary:
			'Add the chosen participants to a course group, or take them out of it (all or nothing, as the group member verbs)',
		body: json(courseGroupSchemas.participantsGroupAction, {
			action: 'add',
			groupId: exampleId(2),
			userIds: [exampleId(1)]
		}),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'put',
		path: '/courses/{id}/group-mode',
		operationId: 'setGroupMode',
		summary:
			"Set the course's group mode (none, separate or visible) and whether every activity must take it",
		body: json(input.groupModeBody, { groupMode: 'separate', forceGroupMode: true }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404]
	}
];
