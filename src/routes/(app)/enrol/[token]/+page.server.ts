import { redirect } from '@sveltejs/kit';
import * as enrolmentInvites from '$lib/server/enrolments/invites';
import { formFailure } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const invite = await orErrorPage(enrolmentInvites.peek(event.params.token));
	const forSomeoneElse = invite.email !== user.email.toLowerCase();
	return {
		invite: { courseName: invite.courseName, email: invite.email, role: invite.role },
		forSomeoneElse
	};
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		let courseId;
		try {
			({ courseId } = await enrolmentInvites.redeem(user, event.params.token));
		} catch (error) {
			return formFailure(error);
		}
		redirect(303, `/courses/${courseId}`);
	}
};
