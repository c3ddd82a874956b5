import * as courseGroups from '$lib/server/course-groups';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { requireCourseManager } from '../staff';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	requireCourseManager((await event.parent()).course);
	return {
		bin: await orErrorPage(courseGroups.listBin(user, event.params.id)),
		justBinned: event.url.searchParams.get('binned')
	};
};

export const actions: Actions = {
	restore: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['groupingId', 'name']);
		try {
			const restored = await courseGroups.restoreGrouping(
				user,
				event.params.id,
				values.groupingId,
				values.name ? { name: values.name } : {}
			);
			return {
				form: `restore-${values.groupingId}`,
				restored: { id: values.groupingId, name: restored.name },
				success: `Restored ${restored.name} with ${restored.groupCount} ${restored.groupCount === 1 ? 'group' : 'groups'} and ${restored.memberCount} ${restored.memberCount === 1 ? 'member' : 'members'}.`
			};
		} catch (caught) {
			return formFailure(caught, values, `restore-${values.groupingId}`);
		}
	},
	purge: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['groupingId', 'name']);
		try {
			await courseGroups.purgeGrouping(user, event.params.id, values.groupingId);
		} catch (caught) {
			return formFailure(caught, values, `purge-${values.groupingId}`);
		}
		return { form: 'purged', success: `Deleted ${values.name || 'the grouping'} for good.` };
	}
};
