import * as transfer from '$lib/server/groups/transfer';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { readCsvImport, uuidParam } from '$lib/server/api/input';

/** CSV of group_idnumber, email, role; error rows are reported and skipped, the rest applied. */
export const POST = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const { text, dryRun } = await readCsvImport(event);
	return transfer.importMemberships(user, id, text, { apply: !dryRun, via: 'api' });
});

export const fallback = methodNotAllowed(['POST']);
