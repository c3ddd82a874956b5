import { fail, redirect } from '@sveltejs/kit';
import * as groups from '$lib/server/groups';
import * as templates from '$lib/server/groups/templates';
import * as organisations from '$lib/server/organisations';
import { groupInputFrom } from '$lib/server/groups/forms';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const organisation = await orErrorPage(organisations.get(user, event.params.slug));
	const search = (event.url.searchParams.get('search') ?? '').trim();
	const [nodes, { canManage }] = await Promise.all([
		orErrorPage(groups.tree(user, { organisationId: organisation.id }, { search })),
		organisations.capabilities(user, organisation.id)
	]);
	return { organisation, nodes, search, canManage };
};

export const actions: Actions = {
	createGroup: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const input = groupInputFrom(data);
		const parentId = String(data.get('parentId') ?? '');
		let created;
		try {
			const organisation = await organisations.get(user, event.params.slug);
			created = await groups.create(user, {
				...input,
				...(parentId ? { parentId } : { organisationId: organisation.id })
			});
		} catch (error) {
			return formFailure(error, input, parentId ? 'tree' : 'createGroup');
		}
		if (parentId) return { form: 'tree', success: `Created the sub-group ${created.name}.` };
		redirect(303, `/groups/${created.id}`);
	},
	messaging: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const groupIds = data.getAll('groupIds').map(String);
		const enabled = data.get('enabled') === 'true';
		if (groupIds.length === 0) {
			return fail(400, { form: 'messaging', message: 'Choose at least one group.' });
		}
		try {
			const { changed } = await groups.setMessaging(user, groupIds, enabled);
			return {
				form: 'messaging',
				success: `Messaging is ${enabled ? 'on' : 'off'} in ${groupIds.length} group${groupIds.length === 1 ? '' : 's'} (${changed} changed).`
			};
		} catch (error) {
			return formFailure(error, {}, 'messaging');
		}
	},
	move: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['groupId', 'parentId', 'confirmed']);
		try {
			const input = { parentId: values.parentId || null };
			// A move that changes linked courses' enrolments is shown first, as a delete is.
			if (values.confirmed !== 'yes') {
				const preview = await groups.movePreview(user, values.groupId, input);
				if (preview.courses.length > 0) return { form: 'tree', movePreview: preview };
			}
			await groups.move(user, values.groupId, input);
		} catch (error) {
			return formFailure(error, values, 'tree');
		}
		return { form: 'tree', success: 'Moved the group.' };
	},
	starter: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['intakes']);
		const intakes = values.intakes
			.split(/\r?\n|,/)
			.map((name) => name.trim())
			.filter(Boolean);
		try {
			const organisation = await organisations.get(user, event.params.slug);
			const { created } = await templates.applyStarter(user, organisation.id, { intakes });
			return {
				form: 'starter',
				success: `Created ${created} groups. Rename or move them as you like.`
			};
		} catch (error) {
			return formFailure(error, values, 'starter');
		}
	}
};
