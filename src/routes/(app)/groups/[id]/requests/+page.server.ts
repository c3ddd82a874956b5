import * as requests from '$lib/server/memberships/requests';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { plural } from '$lib/groups';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { group } = await event.parent();
	const pending = group.canManageMembers
		? await orErrorPage(requests.listPending(user, group.id))
		: null;
	const mine = group.canManageMembers ? null : await orErrorPage(requests.mine(user, group.id));
	return { pending, mine };
};

export const actions: Actions = {
	decide: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const approve = data.get('decision') === 'approve';
		try {
			const { decided } = await requests.decide(user, event.params.id, {
				requestIds: data.getAll('requestIds').map(String),
				approve
			});
			return {
				form: 'decide',
				success: `${approve ? 'Approved' : 'Declined'} ${plural(decided, 'request')}.`
			};
		} catch (error) {
			return formFailure(error, {}, 'decide');
		}
	},
	ask: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['message']);
		try {
			await requests.ask(user, event.params.id, values);
		} catch (error) {
			return formFailure(error, values, 'ask');
		}
		return { form: 'ask', success: 'You asked to join. A leader will answer soon.' };
	},
	withdraw: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['requestId']);
		try {
			await requests.withdraw(user, values.requestId);
		} catch (error) {
			return formFailure(error, values, 'ask');
		}
		return { form: 'ask', success: 'You withdrew your request.' };
	}
};
