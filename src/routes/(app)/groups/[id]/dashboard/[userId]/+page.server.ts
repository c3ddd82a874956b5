import * as dashboard from '$lib/server/dashboard';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return {
		learner: await orErrorPage(dashboard.learner(user, event.params.id, event.params.userId))
	};
};
