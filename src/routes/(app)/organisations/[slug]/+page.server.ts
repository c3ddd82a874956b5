import { redirect } from '@sveltejs/kit';
import * as courses from '$lib/server/courses';
import * as organisations from '$lib/server/organisations';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const organisation = await orErrorPage(organisations.get(user, event.params.slug));
	const { canManage, canNameAdmins } = await organisations.capabilities(user, organisation.id);
	const [organisationCourses, members] = await Promise.all([
		courses.list(user, organisation.id),
		canManage ? organisations.listMembers(user, organisation.id) : Promise.resolve(null)
	]);
	return {
		organisation,
		courses: organisationCourses,
		members,
		canManage,
		canNameAdmins
	};
};

export const actions: Actions = {
	createCourse: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['code', 'name', 'description']);
		let created;
		try {
			const organisation = await organisations.get(user, event.params.slug);
			created = await courses.create(user, organisation.id, values);
		} catch (error) {
			return formFailure(error, values, 'createCourse');
		}
		redirect(303, `/courses/${created.id}`);
	},
	addMember: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['email', 'role']);
		try {
			const organisation = await organisations.get(user, event.params.slug);
			await organisations.addMember(user, organisation.id, values);
		} catch (error) {
			return formFailure(error, values, 'addMember');
		}
		return { form: 'addMember', success: `${values.email} is now a ${values.role || 'member'}.` };
	},
	messaging: async (event) => {
		const user = requireUser(event);
		const on = (await event.request.formData()).get('learnersMessageLearners') === 'on';
		try {
			const organisation = await organisations.get(user, event.params.slug);
			await organisations.setMessaging(user, organisation.id, { learnersMessageLearners: on });
		} catch (error) {
			return formFailure(error, {}, 'messaging');
		}
		return {
			form: 'messaging',
			success: on
				? 'Learners may message other learners.'
				: 'Learners now message only staff and leaders.'
		};
	},
	emailVisibility: async (event) => {
		const user = requireUser(event);
		const on = (await event.request.formData()).get('learnersSeeEmails') === 'on';
		try {
			const organisation = await organisations.get(user, event.params.slug);
			await organisations.setEmailVisibility(user, organisation.id, { learnersSeeEmails: on });
		} catch (error) {
			return formFailure(error, {}, 'emailVisibility');
		}
		return {
			form: 'emailVisibility',
			success: on
				? "Learners see other learners' email addresses."
				: "Learners no longer see other learners' email addresses."
		};
	},
	removeMember: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['userId', 'displayName']);
		try {
			const organisation = await organisations.get(user, event.params.slug);
			await organisations.removeMember(user, organisation.id, values.userId);
		} catch (error) {
			return formFailure(error, values, 'removeMember');
		}
		return { form: 'removeMember', success: `${values.displayName || 'The member'} was removed.` };
	}
};
