import { error } from '@sveltejs/kit';
import * as invites from '$lib/server/memberships/invites';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { group } = await event.parent();
	if (!group.canManageMembers) error(404, { message: 'Not found, or you do not have access.' });
	return { invites: await orErrorPage(invites.list(user, group.id)) };
};

export const actions: Actions = {
	create: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), [
			'email',
			'maxUses',
			'expiresInDays'
		]);
		try {
			const created = await invites.create(
				user,
				event.params.id,
				{
					email: values.email.trim() || null,
					maxUses: values.maxUses ? Number(values.maxUses) : null,
					expiresInDays: Number(values.expiresInDays || 14)
				},
				'app',
				{ origin: event.url.origin }
			);
			// The token is shown this once; only its hash is stored.
			return {
				form: 'create',
				success: created.emailed
					? `Invitation sent to ${values.email.trim()}. You can also share the link below.`
					: values.email.trim()
						? 'Invitation created, but the email could not be sent: share the link below.'
						: 'Invitation created.',
				link: `${event.url.origin}${created.path}`
			};
		} catch (caught) {
			return formFailure(caught, values, 'create');
		}
	},
	revoke: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['inviteId']);
		try {
			await invites.revoke(user, values.inviteId);
		} catch (caught) {
			return formFailure(caught, values, 'revoke');
		}
		return { form: 'revoke', success: 'The invitation no longer works.' };
	}
};
