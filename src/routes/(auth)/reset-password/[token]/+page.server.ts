import { redirect } from '@sveltejs/kit';
import * as passwordReset from '$lib/server/auth/password-reset';
import { formFailure } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

// GET only shows the form; the POST uses the link, so a mail scanner that fetches it does not.
export const load: PageServerLoad = async ({ params }) => {
	const pending = await passwordReset.pendingReset(params.token);
	return { email: pending?.email ?? null };
};

export const actions: Actions = {
	default: async ({ params, request }) => {
		const data = await request.formData();
		try {
			await passwordReset.completeReset({
				token: params.token,
				password: String(data.get('password') ?? '')
			});
		} catch (error) {
			return formFailure(error);
		}
		redirect(303, '/signin?notice=password-reset');
	}
};
