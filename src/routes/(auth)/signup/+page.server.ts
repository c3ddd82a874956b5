import { redirect } from '@sveltejs/kit';
import * as accounts from '$lib/server/auth/accounts';
import { formFailure, formValues } from '$lib/server/forms';
import { safeRedirectTarget } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
};

export const actions: Actions = {
	// The same answer whether or not the email has an account (issue 11); the email says which.
	default: async ({ request, url, getClientAddress }) => {
		const data = await request.formData();
		const values = formValues(data, ['email', 'displayName']);
		try {
			const { message } = await accounts.signUp(
				{ ...values, password: String(data.get('password') ?? '') },
				{ ip: getClientAddress(), origin: url.origin }
			);
			return { sent: true, message, values: { email: values.email } };
		} catch (error) {
			return formFailure(error, values);
		}
	}
};
