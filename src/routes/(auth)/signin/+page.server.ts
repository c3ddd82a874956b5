import { redirect } from '@sveltejs/kit';
import * as accounts from '$lib/server/auth/accounts';
import { DEVICE_COOKIE, setDeviceCookie, setSessionCookie } from '$lib/server/auth/session';
import { DomainError } from '$lib/server/errors';
import { formFailure, formValues } from '$lib/server/forms';
import { safeRedirectTarget } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
};

export const actions: Actions = {
	default: async ({ request, cookies, url, getClientAddress, setHeaders }) => {
		const data = await request.formData();
		const values = formValues(data, ['email']);
		let signedIn;
		try {
			signedIn = await accounts.signIn(
				{ email: values.email, password: String(data.get('password') ?? '') },
				getClientAddress(),
				{ deviceToken: cookies.get(DEVICE_COOKIE) }
			);
		} catch (error) {
			if (error instanceof DomainError && error.retryAfterSeconds) {
				setHeaders({ 'retry-after': String(error.retryAfterSeconds) });
			}
			return formFailure(error, values);
		}
		const secure = url.protocol === 'https:';
		setSessionCookie(cookies, signedIn.token, signedIn.session.expiresAt, secure);
		setDeviceCookie(cookies, signedIn.deviceToken, secure);
		redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
	}
};
