import { json, exampleId, type ApiRoute } from './route';
import * as schemas from '$lib/schemas/self-enrolment';

export const selfEnrolmentRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/courses/{id}/self-enrolment',
		operationId: 'getSelfEnrolment',
		summary: "A course's self-enrolment settings and keys (course managers)",
		description:
			'`enabled`, `key` (the course’s), `opensAt`, `closesAt`, `defaultRole`, and `groups` with each course group’s `key` (null when it has none). Only the course’s managers can read keys.',
		success: { status: 200, content: 'json' },
		errors: [401, 404]
	},
	{
		method: 'put',
		path: '/courses/{id}/self-enrolment',
		operationId: 'updateSelfEnrolment',
		summary: 'Turn self-enrolment on or off, with its key, dates and role (course managers)',
		description:
			'A key follows the password policy (at least 10 characters, not a common one) and is unique within the course, among its groups’ keys too (409 `key_taken`); turning self-enrolment on needs a key. `defaultRole` is learner or assistant.',
		body: json(schemas.selfEnrolmentSettings, {
			enabled: true,
			key: 'otter-lantern-42',
			opensAt: null,
			closesAt: '2030-01-31T00:00:00Z',
			defaultRole: 'learner'
		}),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'put',
		path: '/groups/{id}/enrolment-key',
		operationId: 'setGroupEnrolmentKey',
		summary: "Set or remove a course group's enrolment key (course managers)",
		description:
			'Whoever enrols in the course with this key lands in this group. The key follows the password policy and is unique within the course (409 `key_taken`); `null` removes it.',
		body: json(schemas.groupEnrolmentKey, { key: 'heron-basket-17' }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 404, 409, 415]
	},
	{
		method: 'get',
		path: '/self-enrolment/courses',
		operationId: 'listSelfEnrolmentCourses',
		summary: 'Courses the caller may enrol themselves in now',
		description:
			'Courses with self-enrolment on and within its dates, in the caller’s organisations, that the caller is not enrolled in. Never a key.',
		success: { status: 200, content: 'json' },
		errors: [401]
	},
	{
		method: 'post',
		path: '/self-enrolment',
		operationId: 'selfEnrol',
		summary: "Enrol with a course's key, or a group's key (then into that group too)",
		description:
			'Answers 201 with `role`, `group` (`{ id, name, full }` for a group key; `full` when the group had no place, the enrolment kept) and `message`. A wrong key is 403 `wrong_key`; self-enrolment off, outside its dates or not for the caller’s organisation is 403 `closed`; after five wrong keys each try waits longer (429 `too_many_attempts` with Retry-After).',
		body: json(schemas.selfEnrol, { courseId: exampleId(1), key: 'otter-lantern-42' }),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 403, 409, 415, 429]
	}
];
