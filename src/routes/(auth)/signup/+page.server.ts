import { redirect } from '@sveltejs/kit';
import * as accounts from '$lib/server/auth/accounts';
import { setSessionCookie } from '$lib/server/auth/session';
import { formFailure, formValues } from '$lib/server/forms';
import { safeRedirectTarget } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
};

export const actions: Actions = {
	default: async ({ request, cookies, url }) => {
		const data = await request.formData();
		const values = formValues(data, ['email', 'displayName']);
		let signedUp;
		try {
			signedUp = await accounts.signUp({ ...values, password: String(data.get('password') ?? '') });
		} catch (error) {
			return formFailure(error, values);
		}
		setSessionCookie(
			cookies,
			signedUp.token,
			signedUp.session.expiresAt,
			url.protocol === 'https:'
		);
		redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
	}
};
