import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { readCsvImport, uuidParam } from '$lib/server/api/input';

/**
 * CSV with groupname, description, idnumber, groupingname, members (and Moodle's and Canvas's
 * names for them, coursename for other courses, or Canvas's row per person with login_id and
 * user_id); a report per row and the columns it ignored. Rows with errors are skipped, the
 * others created; `?dryRun=true` reports without creating.
 */
export const POST = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const { text, dryRun } = await readCsvImport(event);
	const report = dryRun
		? await courseGroups.previewImport(user, id, text)
		: await courseGroups.applyImport(user, id, text, 'api');
	return { applied: !dryRun, ...report };
});

export const fallback = methodNotAllowed(['POST']);
