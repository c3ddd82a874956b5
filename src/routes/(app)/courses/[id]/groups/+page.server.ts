import * as cohorts from '$lib/server/cohorts';
import * as courses from '$lib/server/courses';
import * as groups from '$lib/server/groups';
import { groupInputFrom } from '$lib/server/groups/forms';
import { fail } from '@sveltejs/kit';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const course = await orErrorPage(courses.get(user, event.params.id));
	const [courseGroups, links, cohortList] = await Promise.all([
		orErrorPage(groups.tree(user, { courseId: course.id })),
		course.canManage ? orErrorPage(cohorts.listForCourse(user, course.id)) : Promise.resolve(null),
		course.canManage ? orErrorPage(cohorts.cohortsFor(user, course.id)) : Promise.resolve(null)
	]);
	// The link form offers what the database would let this person link.
	const linkable = cohortList?.filter((cohort) => cohort.canLink) ?? null;
	return { course, courseGroups, links, linkable };
};

export const actions: Actions = {
	link: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const values = formValues(data, ['courseRole', 'target', 'removalPolicy']);
		const groupIds = data.getAll('groupId').map(String).filter(Boolean);
		try {
			if (groupIds.length === 0) {
				return fail(400, { form: 'link', message: 'Choose at least one group.', values });
			}
			const created = await cohorts.linkMany(user, event.params.id, { ...values, groupIds });
			const each = created.map((item) => `${item.groupName} (${item.enrolled} enrolled)`);
			return {
				form: 'link',
				success: `Linked ${each.join(', ')} as ${created[0].courseRole}.`
			};
		} catch (error) {
			return formFailure(error, { ...values, groupIds }, 'link');
		}
	},
	editLink: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), [
			'linkId',
			'courseRole',
			'target',
			'removalPolicy'
		]);
		// Blank is "keep as it is"; the target "none" takes the link out of its course group.
		const changes = {
			...(values.courseRole ? { courseRole: values.courseRole } : {}),
			...(values.removalPolicy ? { removalPolicy: values.removalPolicy } : {}),
			...(values.target ? { target: values.target === 'none' ? null : values.target } : {})
		};
		try {
			const updated = await cohorts.update(user, values.linkId, changes);
			const placed = updated.targetGroupName
				? `placed in ${updated.targetGroupName}`
				: 'placed in no course group';
			return {
				form: 'links',
				success: `Saved the link of ${updated.groupName} (${updated.enrolled} enrolled), ${placed}.`
			};
		} catch (error) {
			return formFailure(error, values, 'links');
		}
	},
	unlink: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['linkId', 'groupName']);
		try {
			await cohorts.unlink(user, values.linkId);
		} catch (error) {
			return formFailure(error, values, 'links');
		}
		return { form: 'links', success: `Unlinked ${values.groupName || 'the group'}.` };
	},
	createGroup: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const input = groupInputFrom(data);
		const parentId = String(data.get('parentId') ?? '');
		const form = parentId ? 'tree' : 'createGroup';
		try {
			const created = await groups.create(user, {
				...input,
				...(parentId ? { parentId } : { courseId: event.params.id })
			});
			return { form, success: `Created the group ${created.name}.` };
		} catch (error) {
			return formFailure(error, input, form);
		}
	}
};
