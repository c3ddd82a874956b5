import * as courseGroups from '$lib/server/course-groups';
import * as courses from '$lib/server/courses';
import * as groups from '$lib/server/groups';
import * as learnerGroups from '$lib/server/learner-groups';
import * as interventions from '$lib/server/learner-groups/interventions';
import * as progress from '$lib/server/progress';
import { activityInputFrom } from '$lib/schemas/activity-form';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const course = await orErrorPage(courses.get(user, event.params.id));
	const [list, settings, messages] = await Promise.all([
		orErrorPage(progress.listActivities(user, course.id)),
		orErrorPage(learnerGroups.settings(user, course.id)),
		learnerGroups.inbox(user, { courseId: event.params.id })
	]);
	// Shown as they were before this visit ("new"), then marked seen: opening the page reads them.
	const unseen = messages.filter((message) => message.seen === false).map((message) => message.id);
	if (unseen.length > 0) {
		await interventions
			.markSeen(user, unseen)
			.catch((error) => console.error('Could not mark course messages seen', error));
	}
	if (course.myRole === 'learner') {
		// A visit to the course's activities counts as course activity for "inactive" and at-risk.
		await progress
			.recordEvent(user, { kind: 'course_view', courseId: course.id })
			.catch((error) => console.error('Could not record a course view', error));
	}
	return {
		course,
		...list,
		canStaff: settings.canManage,
		messages,
		courseGroups: list.canManage
			? (await groups.tree(user, { courseId: course.id })).map((g) => ({
					id: g.id,
					name: g.name,
					depth: g.depth
				}))
			: [],
		courseGroupings: list.canManage
			? (await courseGroups.listGroupings(user, course.id)).map((g) => ({ id: g.id, name: g.name }))
			: []
	};
};

export const actions: Actions = {
	complete: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['activityId', 'title']);
		try {
			await progress.markComplete(user, values.activityId);
		} catch (error) {
			return formFailure(error, values, 'completion');
		}
		return { form: 'completion', success: `Marked “${values.title}” complete.` };
	},
	uncomplete: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['activityId', 'title']);
		try {
			await progress.unmarkComplete(user, values.activityId);
		} catch (error) {
			return formFailure(error, values, 'completion');
		}
		return { form: 'completion', success: `“${values.title}” is no longer marked complete.` };
	},
	create: async (event) => {
		const user = requireUser(event);
		const { input, values } = activityInputFrom(
			await event.request.formData(),
			user.timeZone ?? undefined
		);
		try {
			const created = await progress.createActivity(user, event.params.id, input);
			return { form: 'create', success: `Added “${created.title}”.` };
		} catch (error) {
			return formFailure(error, values, 'create');
		}
	},
	remove: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['activityId', 'title']);
		try {
			await progress.deleteActivity(user, values.activityId);
		} catch (error) {
			return formFailure(error, values, 'completion');
		}
		return { form: 'completion', success: `Deleted “${values.title}”.` };
	}
};
