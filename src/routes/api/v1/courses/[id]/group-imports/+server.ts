import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { readCsvImport, uuidParam } from '$lib/server/api/input';

/**
 * CSV with groupname, description, idnumber, groupingname, members; a report per row. Rows with
 * errors are skipped, the others created; `?dryRun=true` reports without creating.
 */
export const POST = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const { text, dryRun } = await readCsvImport(event);
	const rows = dryRun
		? await courseGroups.previewImport(user, id, text)
		: await courseGroups.applyImport(user, id, text, 'api');
	return { applied: !dryRun, rows };
});

export const fallback = methodNotAllowed(['POST']);
