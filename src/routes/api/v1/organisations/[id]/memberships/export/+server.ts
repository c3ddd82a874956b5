import * as transfer from '$lib/server/groups/transfer';
import * as organisations from '$lib/server/organisations';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { csvAttachment, uuidParam } from '$lib/server/api/input';

/** Direct memberships of the organisation's groups that the caller may read. */
export const GET = endpoint(async (event, user) => {
	const organisation = await organisations.get(user, uuidParam(event, 'id'));
	const text = await transfer.exportMemberships(user, organisation.id);
	return csvAttachment(text, `${organisation.slug}-memberships.csv`);
});

export const fallback = methodNotAllowed(['GET']);
