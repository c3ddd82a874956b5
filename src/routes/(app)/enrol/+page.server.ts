import * as selfEnrolment from '$lib/server/self-enrolment';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const courses = await orErrorPage(selfEnrolment.openCourses(user));
	return { courses, chosen: event.url.searchParams.get('course') ?? '' };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['courseId', 'key']);
		try {
			const result = await selfEnrolment.enrol(user, values, {
				ip: event.getClientAddress()
			});
			return { form: 'enrol', success: result.message, courseId: result.courseId };
		} catch (caught) {
			// The key is not echoed back: a wrong one stays out of the page.
			return formFailure(caught, { courseId: values.courseId }, 'enrol');
		}
	}
};
