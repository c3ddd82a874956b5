import { redirect } from '@sveltejs/kit';
import * as invites from '$lib/server/memberships/invites';
import { formFailure } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const invite = await orErrorPage(invites.peek(event.params.token, user.id));
	const forSomeoneElse = Boolean(invite.email && invite.email !== user.email.toLowerCase());
	return {
		invite: {
			groupName: invite.groupName,
			email: invite.email,
			effect: invite.effect,
			scopeName: invite.scopeName
		},
		forSomeoneElse
	};
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		let groupId;
		try {
			({ groupId } = await invites.redeem(user, event.params.token));
		} catch (error) {
			return formFailure(error);
		}
		redirect(303, `/groups/${groupId}`);
	}
};
