import * as passwordReset from '$lib/server/auth/password-reset';
import { DomainError } from '$lib/server/errors';
import { formFailure, formValues } from '$lib/server/forms';
import type { Actions } from './$types';

export const actions: Actions = {
	// The same answer whether or not the email has an account.
	default: async ({ request, url, getClientAddress, setHeaders }) => {
		const values = formValues(await request.formData(), ['email']);
		try {
			const { message } = await passwordReset.requestReset(values, {
				ip: getClientAddress(),
				origin: url.origin
			});
			return { sent: true, message, values };
		} catch (error) {
			if (error instanceof DomainError && error.retryAfterSeconds) {
				setHeaders({ 'retry-after': String(error.retryAfterSeconds) });
			}
			return formFailure(error, values);
		}
	}
};
