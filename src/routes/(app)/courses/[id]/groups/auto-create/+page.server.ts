import * as cohorts from '$lib/server/cohorts';
import * as courseGroups from '$lib/server/course-groups';
import * as groups from '$lib/server/groups';
import { formFailure } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { autoCreateOptionsFrom, autoCreateValuesFrom } from './options';
import { requireCourseManager } from '../staff';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	requireCourseManager((await event.parent()).course);
	const courseId = event.params.id;
	const [courseGroupTree, groupings, cohortList, links] = await Promise.all([
		orErrorPage(groups.tree(user, { courseId })),
		orErrorPage(courseGroups.listGroupings(user, courseId)),
		orErrorPage(cohorts.cohortsFor(user, courseId)),
		orErrorPage(cohorts.listForCourse(user, courseId))
	]);
	// Linked cohorts the viewer cannot otherwise see are sources too.
	const seen = new Set(cohortList.map((cohort) => cohort.id));
	const linkedOnly = links.filter((link) => !seen.has(link.groupId));
	return {
		groupOptions: courseGroupTree.map(({ id, name }) => ({ id, name })),
		groupingOptions: groupings.map(({ id, name }) => ({ id, name })),
		cohortOptions: cohortList
			.map(({ id, name, depth, scope }) => ({
				id,
				name: `${'— '.repeat(depth)}${name}${scope === 'platform' ? ' (platform)' : ''}`
			}))
			.concat(
				linkedOnly.map(({ groupId, groupName }) => ({ id: groupId, name: `${groupName} (linked)` }))
			)
	};
};

export const actions: Actions = {
	preview: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const values = autoCreateValuesFrom(data);
		try {
			const preview = await courseGroups.previewAutoCreate(
				user,
				event.params.id,
				autoCreateOptionsFrom(data)
			);
			return { form: 'autoCreate', preview, values: { ...values, seed: String(preview.seed) } };
		} catch (error) {
			return formFailure(error, values, 'autoCreate');
		}
	},
	create: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const values = autoCreateValuesFrom(data);
		try {
			const created = await courseGroups.autoCreate(
				user,
				event.params.id,
				autoCreateOptionsFrom(data)
			);
			const members = created.groups.reduce((sum, group) => sum + group.memberCount, 0);
			return {
				form: 'autoCreate',
				created,
				values,
				success: `Created ${created.groups.length} ${created.groups.length === 1 ? 'group' : 'groups'} with ${members} ${members === 1 ? 'member' : 'members'}.`
			};
		} catch (error) {
			return formFailure(error, values, 'autoCreate');
		}
	}
};
