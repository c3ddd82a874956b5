import * as transfer from '$lib/server/groups/transfer';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { readCsvImport, uuidParam } from '$lib/server/api/input';

/** CSV of name, idnumber, description, parent_idnumber, kind; any error row blocks the whole file. */
export const POST = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const { text, dryRun } = await readCsvImport(event);
	return transfer.importGroups(user, id, text, { apply: !dryRun, via: 'api' });
});

export const fallback = methodNotAllowed(['POST']);
