import * as dashboard from '$lib/server/dashboard';
import * as directMessages from '$lib/server/direct-messages';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const learner = await orErrorPage(dashboard.learner(user, event.params.id, event.params.userId));
	const messageable = await directMessages.messageable(user, [learner.user.id]);
	return { learner, canMessage: messageable.has(learner.user.id) };
};
