import * as transfer from '$lib/server/groups/transfer';
import * as organisations from '$lib/server/organisations';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { csvAttachment, uuidParam } from '$lib/server/api/input';

/** The groups the caller can see, with the columns the import reads (and counts). */
export const GET = endpoint(async (event, user) => {
	const organisation = await organisations.get(user, uuidParam(event, 'id'));
	const text = await transfer.exportGroups(user, organisation.id);
	return csvAttachment(text, `${organisation.slug}-groups.csv`);
});

export const fallback = methodNotAllowed(['GET']);
