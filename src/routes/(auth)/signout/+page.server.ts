import { redirect } from '@sveltejs/kit';
import { deleteSessionCookie, invalidateSession } from '$lib/server/auth/session';
import { closeSocketsOfSessions } from '$lib/server/realtime/revoke';
import type { Actions, PageServerLoad } from './$types';

// Signing out is a POST only, so a link or an image cannot sign someone out.
export const load: PageServerLoad = () => {
	redirect(303, '/');
};

export const actions: Actions = {
	default: async ({ locals, cookies, url }) => {
		if (locals.session) {
			await invalidateSession(locals.session.id);
			closeSocketsOfSessions([locals.session.id]);
		}
		deleteSessionCookie(cookies, url.protocol === 'https:');
		redirect(303, '/signin');
	}
};
