import { redirect } from '@sveltejs/kit';
import * as accounts from '$lib/server/auth/accounts';
import { setSessionCookie } from '$lib/server/auth/session';
import { formFailure } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

// GET only shows the button; the POST creates the account, so a mail scanner that fetches the
// link does not use it up.
export const load: PageServerLoad = async ({ params }) => {
	const pending = await accounts.pendingSignUp(params.token);
	return { email: pending?.email ?? null };
};

export const actions: Actions = {
	default: async ({ params, cookies, url }) => {
		let confirmed;
		try {
			confirmed = await accounts.confirmSignUp(params.token);
		} catch (error) {
			return formFailure(error);
		}
		setSessionCookie(
			cookies,
			confirmed.token,
			confirmed.session.expiresAt,
			url.protocol === 'https:'
		);
		redirect(303, '/');
	}
};
