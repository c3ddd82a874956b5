import * as selfEnrolment from '$lib/server/self-enrolment';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';

/** `{ courseId, key }`: enrols the caller with the course's key or one of its groups' keys. */
export const POST = endpoint(
	async (event, user) =>
		selfEnrolment.enrol(user, await readJson(event), {
			ip: event.getClientAddress(),
			via: 'api'
		}),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['POST']);
