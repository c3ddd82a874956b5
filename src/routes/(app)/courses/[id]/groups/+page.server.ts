import * as cohorts from '$lib/server/cohorts';
import * as courses from '$lib/server/courses';
import * as groups from '$lib/server/groups';
import { groupInputFrom } from '$lib/server/groups/forms';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const course = await orErrorPage(courses.get(user, event.params.id));
	const [courseGroups, links, organisationGroups] = await Promise.all([
		orErrorPage(groups.tree(user, { courseId: course.id })),
		course.canManage ? orErrorPage(cohorts.listForCourse(user, course.id)) : Promise.resolve(null),
		course.canManage
			? orErrorPage(groups.tree(user, { organisationId: course.organisationId }))
			: Promise.resolve(null)
	]);
	return { course, courseGroups, links, organisationGroups };
};

export const actions: Actions = {
	link: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), [
			'groupId',
			'courseRole',
			'target',
			'removalPolicy'
		]);
		try {
			const created = await cohorts.link(user, event.params.id, values);
			return {
				form: 'link',
				success: `Linked ${created.groupName}: ${created.enrolled} enrolled as ${created.courseRole}.`
			};
		} catch (error) {
			return formFailure(error, values, 'link');
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
