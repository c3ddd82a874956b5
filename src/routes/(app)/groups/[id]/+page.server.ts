import { splitEmailList } from '$lib/schemas/email-list';
import { redirect } from '@sveltejs/kit';
import * as directMessages from '$lib/server/direct-messages';
import * as memberships from '$lib/server/memberships';
import * as users from '$lib/server/users';
import { endOfDay } from '$lib/server/groups/forms';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { plural } from '$lib/groups';
import type { Actions, PageServerLoad } from './$types';

const ONLY = ['all', 'direct', 'subgroups'] as const;

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { group } = await event.parent();
	const params = event.url.searchParams;
	const filters = {
		search: (params.get('search') ?? '').trim(),
		role:
			params.get('role') === 'leader' || params.get('role') === 'member' ? params.get('role')! : '',
		only: ONLY.find((value) => value === params.get('only')) ?? 'all'
	};
	const find = group.canManageMembers ? (params.get('find') ?? '').trim() : '';
	const [members, found] = await Promise.all([
		orErrorPage(memberships.list(user, group.id, filters)),
		find ? users.search(user, find) : Promise.resolve(null)
	]);
	const messageable = await directMessages.messageable(
		user,
		members.map((member) => member.userId)
	);
	return { members, filters, find, found, messageable: [...messageable] };
};

export const actions: Actions = {
	add: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const values = formValues(data, ['emails', 'role', 'validUntil']);
		const emails = splitEmailList(values.emails);
		const userIds = [...new Set(data.getAll('userIds').map(String))];
		try {
			const report = await memberships.add(
				user,
				event.params.id,
				{
					userIds,
					emails,
					role: values.role || 'member',
					validUntil: endOfDay(values.validUntil),
					overLimit: data.get('overLimit') === 'on'
				},
				'app',
				{ origin: event.url.origin }
			);
			const moved = report.moved.map((m) => `${m.displayName} from ${m.fromGroupName}`);
			const done =
				`Added ${report.added}, updated ${report.updated}, ${report.unchanged} already in the group.` +
				(moved.length ? ` Moved ${moved.join(', ')} (one group of its grouping per learner).` : '');
			return { form: 'add', success: done, report, values: report.errors.length ? values : {} };
		} catch (error) {
			// Echo the people picked, so an "over the limit" confirmation can add them.
			return formFailure(error, { ...values, userIds }, 'add');
		}
	},
	remove: async (event) => {
		const user = requireUser(event);
		const userIds = (await event.request.formData()).getAll('userIds').map(String);
		try {
			const { removed } = await memberships.remove(user, event.params.id, { userIds });
			return { form: 'bulk', success: `Removed ${plural(removed, 'person', 'people')}.` };
		} catch (error) {
			return formFailure(error, {}, 'bulk');
		}
	},
	setRole: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const role = String(data.get('role') ?? '');
		try {
			const { changed } = await memberships.setRole(user, event.params.id, {
				userIds: data.getAll('userIds').map(String),
				role
			});
			return { form: 'bulk', success: `Made ${plural(changed, 'person', 'people')} ${role}.` };
		} catch (error) {
			return formFailure(error, { role }, 'bulk');
		}
	},
	join: async (event) => {
		const user = requireUser(event);
		try {
			await memberships.join(user, event.params.id);
		} catch (error) {
			return formFailure(error, {}, 'self');
		}
		return { form: 'self', success: 'You joined the group.' };
	},
	leave: async (event) => {
		const user = requireUser(event);
		try {
			await memberships.leave(user, event.params.id);
		} catch (error) {
			return formFailure(error, {}, 'self');
		}
		// Leaving may take the group out of sight (members-only visibility): go home, not to a 404.
		redirect(303, '/?left=1');
	}
};
