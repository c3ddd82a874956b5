import * as audit from '$lib/server/groups/history';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return { entries: await orErrorPage(audit.history(user, event.params.id, { limit: 200 })) };
};
