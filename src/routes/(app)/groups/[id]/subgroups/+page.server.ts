import * as groups from '$lib/server/groups';
import { groupInputFrom } from '$lib/server/groups/forms';
import { formFailure } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { childrenOf, subtreeIds } from '$lib/groups';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { group } = await event.parent();
	const scope = group.courseId
		? { courseId: group.courseId }
		: group.organisationId
			? { organisationId: group.organisationId }
			: { platform: true as const };
	const all = await orErrorPage(groups.tree(user, scope));
	const below = subtreeIds(childrenOf(all), group.id);
	below.delete(group.id);
	const nodes = all
		.filter((node) => below.has(node.id))
		.map((node) => (node.parentId === group.id ? { ...node, parentId: null } : node));
	return { nodes };
};

export const actions: Actions = {
	createGroup: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const input = groupInputFrom(data);
		// The tree's small forms name their parent; the side form adds under this group.
		const form = data.has('parentId') ? 'tree' : 'createGroup';
		const parentId = String(data.get('parentId') || event.params.id);
		try {
			const created = await groups.create(user, { ...input, parentId });
			return { form, success: `Created the sub-group ${created.name}.` };
		} catch (error) {
			return formFailure(error, input, form);
		}
	}
};
