import * as enrolments from '$lib/server/enrolments';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { parseEnrolmentRequest, uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => {
	const { participants, ...page } = await enrolments.listParticipants(
		user,
		uuidParam(event, 'id'),
		Object.fromEntries(event.url.searchParams)
	);
	return { items: participants, ...page };
});

/** Enrols by user ids, or by emails with a per-row report (`dryRun` checks without applying). */
export const POST = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const request = parseEnrolmentRequest(await readJson(event));
	switch (request.kind) {
		case 'users':
			return enrolments.enrolUsers(user, id, request.input, 'api');
		case 'list':
			return enrolments.enrolByEmails(user, id, request.input, {
				apply: !request.dryRun,
				via: 'api',
				origin: event.url.origin
			});
		case 'array':
			return enrolments.enrolCandidates(user, id, request.candidates, {
				apply: !request.dryRun,
				via: 'api',
				origin: event.url.origin
			});
	}
});

/** Several participants' role or status in one request: all applied, or none (per-row errors). */
export const PATCH = endpoint(async (event, user) =>
	enrolments.updateEnrolments(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['GET', 'POST', 'PATCH']);
