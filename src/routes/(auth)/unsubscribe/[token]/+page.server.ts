import { error } from '@sveltejs/kit';
import * as notifications from '$lib/server/notifications';
import type { Actions, PageServerLoad } from './$types';

// The link in every notification email. Opening it asks first (mail scanners open links); the
// button, or a mail program's one-click POST (RFC 8058), turns that kind of email off. No sign-in:
// the unguessable token is the permission, and it can do nothing else.
export const load: PageServerLoad = async ({ params }) => {
	const target = await notifications.unsubscribeTarget(params.token);
	if (!target) error(404, 'This unsubscribe link is not valid. Change your emails in Settings.');
	return { email: target.email, label: target.label };
};

export const actions: Actions = {
	default: async ({ params }) => {
		const done = await notifications.unsubscribe(params.token);
		if (!done) error(404, 'This unsubscribe link is not valid. Change your emails in Settings.');
		return { done: done.label };
	}
};
