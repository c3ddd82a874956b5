import { fail, redirect } from '@sveltejs/kit';
import * as accounts from '$lib/server/auth/accounts';
import * as announcements from '$lib/server/announcements';
import * as apiTokens from '$lib/server/auth/api-tokens';
import { deleteSessionCookie } from '$lib/server/auth/session';
import { uuid } from '$lib/schemas/common';
import { parse } from '$lib/server/validate';
import { formFailure, formValues } from '$lib/server/forms';
import { requireUser } from '$lib/server/guards';
import * as users from '$lib/server/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const [tokens, emailAnnouncements] = await Promise.all([
		apiTokens.list(user),
		announcements.emailPreference(user)
	]);
	return { tokens, emailAnnouncements };
};

function plural(count: number, one: string, many: string) {
	return `${count} ${count === 1 ? one : many}`;
}

export const actions: Actions = {
	timeZone: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['timeZone']);
		try {
			const { timeZone } = await users.updateSettings(user, values);
			return { form: 'timeZone', success: `Dates are now shown and entered in ${timeZone}.` };
		} catch (error) {
			return formFailure(error, values, 'timeZone');
		}
	},
	changePassword: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		if (!event.locals.session) {
			return fail(401, { form: 'password', message: 'Sign in again first.' });
		}
		try {
			const { endedSessions } = await accounts.changePassword(user, event.locals.session.id, {
				currentPassword: String(data.get('currentPassword') ?? ''),
				newPassword: String(data.get('newPassword') ?? '')
			});
			return {
				form: 'password',
				success: `Your password is changed. ${plural(endedSessions, 'other session', 'other sessions')} signed out.`
			};
		} catch (error) {
			return formFailure(error, {}, 'password');
		}
	},
	signOutEverywhere: async (event) => {
		const user = requireUser(event);
		await accounts.signOutEverywhere(user.id);
		deleteSessionCookie(event.cookies, event.url.protocol === 'https:');
		redirect(303, '/signin?notice=signed-out-everywhere');
	},
	createToken: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['name', 'expiresInDays']);
		try {
			const created = await apiTokens.create(user, {
				name: values.name,
				expiresInDays: values.expiresInDays ? Number(values.expiresInDays) : undefined
			});
			return {
				form: 'token',
				success: `Created the token “${created.name}”.`,
				secret: created.secret
			};
		} catch (error) {
			return formFailure(error, values, 'token');
		}
	},
	notifications: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		try {
			const on = await announcements.setEmailPreference(user, {
				emailAnnouncements: data.get('emailAnnouncements') === 'on'
			});
			return {
				form: 'notifications',
				success: on
					? 'Announcements will be emailed to you.'
					: 'Announcements will no longer be emailed to you.'
			};
		} catch (error) {
			return formFailure(error, {}, 'notifications');
		}
	},
	revokeToken: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['tokenId', 'name']);
		try {
			await apiTokens.revoke(user, parse(uuid, values.tokenId));
		} catch (error) {
			return formFailure(error, values, 'revoke');
		}
		return { form: 'revoke', success: `Revoked “${values.name}”.` };
	}
};
