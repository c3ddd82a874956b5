import * as enrolments from '$lib/server/enrolments';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { readCsv, uuidParam } from '$lib/server/api/input';

/** A CSV of email[,role] rows; `?dryRun=true` returns the per-row report without enrolling anyone. */
export const POST = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const { text, dryRun, defaultRole } = await readCsv(event);
	return dryRun
		? enrolments.previewCsv(user, id, text, defaultRole)
		: enrolments.applyCsv(user, id, text, defaultRole, 'api', event.url.origin);
});

export const fallback = methodNotAllowed(['POST']);
