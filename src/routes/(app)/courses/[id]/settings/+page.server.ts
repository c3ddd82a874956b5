import { error } from '@sveltejs/kit';
import * as courses from '$lib/server/courses';
import * as selfEnrolment from '$lib/server/self-enrolment';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { GROUP_MODES } from '$lib/course-groups';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const course = await orErrorPage(courses.get(user, event.params.id));
	if (!course.canManage) {
		error(404, { message: 'No such course, or you cannot manage it.', code: 'not_found' });
	}
	const enrolment = await orErrorPage(selfEnrolment.getSettings(user, course.id));
	return { course, enrolment };
};

/** A datetime-local value ("2026-11-30T09:00") is read as UTC, as the form says. */
function utc(value: string) {
	return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) ? `${value}Z` : value;
}

export const actions: Actions = {
	groupMode: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['groupMode', 'forceGroupMode']);
		try {
			const { groupMode, forceGroupMode } = await courses.setGroupMode(
				user,
				event.params.id,
				values.groupMode,
				'app',
				values.forceGroupMode === 'on'
			);
			return {
				form: 'groupMode',
				success: `Group mode: ${GROUP_MODES[groupMode].label.toLowerCase()}${forceGroupMode ? ', forced on every activity' : ''}.`
			};
		} catch (caught) {
			return formFailure(caught, values, 'groupMode');
		}
	},
	selfEnrolment: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), [
			'enabled',
			'key',
			'opensAt',
			'closesAt',
			'defaultRole'
		]);
		try {
			const saved = await selfEnrolment.updateSettings(user, event.params.id, {
				enabled: values.enabled === 'on',
				key: values.key,
				opensAt: utc(values.opensAt),
				closesAt: utc(values.closesAt),
				defaultRole: values.defaultRole || 'learner'
			});
			return {
				form: 'selfEnrolment',
				success: saved.enabled ? 'Self-enrolment is on.' : 'Saved. Self-enrolment is off.'
			};
		} catch (caught) {
			return formFailure(caught, values, 'selfEnrolment');
		}
	},
	groupKey: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['groupId', 'key']);
		try {
			const saved = await selfEnrolment.setGroupKey(user, values.groupId, { key: values.key });
			return {
				form: `groupKey:${values.groupId}`,
				success: saved.key ? 'Key saved.' : 'Key removed.'
			};
		} catch (caught) {
			return formFailure(caught, values, `groupKey:${values.groupId}`);
		}
	}
};
