import * as enrolments from '$lib/server/enrolments';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const PATCH = endpoint(async (event, user) =>
	enrolments.updateEnrolment(
		user,
		uuidParam(event, 'id'),
		uuidParam(event, 'userId'),
		await readJson(event),
		'api'
	)
);

export const DELETE = endpoint(async (event, user) => {
	await enrolments.unenrol(user, uuidParam(event, 'id'), uuidParam(event, 'userId'), 'api');
});

export const fallback = methodNotAllowed(['PATCH', 'DELETE']);
