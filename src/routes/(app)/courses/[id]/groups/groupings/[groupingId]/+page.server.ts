import { error, redirect } from '@sveltejs/kit';
import * as courseGroups from '$lib/server/course-groups';
import * as groups from '$lib/server/groups';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { requireCourseManager } from '../../staff';
import { DEFAULT_TIME_ZONE, localInputToIso } from '$lib/time';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	requireCourseManager((await event.parent()).course);
	const { id: courseId, groupingId } = event.params;
	const [groupings, overview, courseGroupTree, assignRun, binPreview] = await Promise.all([
		orErrorPage(courseGroups.listGroupings(user, courseId)),
		orErrorPage(courseGroups.overview(user, courseId, { groupingId })),
		orErrorPage(groups.tree(user, { courseId })),
		orErrorPage(courseGroups.latestAssignRun(user, groupingId)),
		orErrorPage(courseGroups.binPreview(user, groupingId))
	]);
	const grouping = groupings.find((candidate) => candidate.id === groupingId);
	if (!grouping) {
		error(404, { message: 'No such grouping, or you cannot see it.', code: 'not_found' });
	}
	const inGrouping =
		overview.groupings.find((candidate) => candidate.id === groupingId)?.groups ?? [];
	const limits = new Map(courseGroupTree.map((group) => [group.id, group.sizeLimit]));
	const memberIds = new Set(inGrouping.map((group) => group.id));
	return {
		grouping,
		groups: inGrouping.map((group) => ({ ...group, sizeLimit: limits.get(group.id) ?? null })),
		otherGroups: courseGroupTree
			.filter((group) => !memberIds.has(group.id))
			.map(({ id, name, effectiveMembers }) => ({ id, name, memberCount: effectiveMembers })),
		justCreated: event.url.searchParams.has('created'),
		binPreview,
		// A job under way is shown with its progress whenever the page opens.
		assignRun: assignRun && ['queued', 'running'].includes(assignRun.status) ? assignRun : null
	};
};

export const actions: Actions = {
	update: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), [
			'name',
			'idnumber',
			'description',
			'exclusive'
		]);
		try {
			await courseGroups.updateGrouping(user, event.params.groupingId, {
				...values,
				exclusive: values.exclusive === 'on'
			});
		} catch (caught) {
			return formFailure(caught, values, 'settings');
		}
		return { form: 'settings', success: 'Saved the grouping.' };
	},
	delete: async (event) => {
		const user = requireUser(event);
		try {
			await courseGroups.deleteGrouping(user, event.params.groupingId);
		} catch (caught) {
			return formFailure(caught, {}, 'delete');
		}
		redirect(303, `/courses/${event.params.id}/groups/bin?binned=${event.params.groupingId}`);
	},
	addGroups: async (event) => {
		const user = requireUser(event);
		const groupIds = (await event.request.formData()).getAll('groupIds').map(String);
		try {
			await courseGroups.addToGrouping(user, event.params.groupingId, groupIds);
		} catch (caught) {
			return formFailure(caught, {}, 'addGroups');
		}
		return {
			form: 'addGroups',
			success: `Added ${groupIds.length} ${groupIds.length === 1 ? 'group' : 'groups'} to the grouping.`
		};
	},
	removeGroups: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const groupIds = data.getAll('groupIds').map(String);
		try {
			await courseGroups.removeFromGrouping(user, event.params.groupingId, groupIds);
		} catch (caught) {
			return formFailure(caught, {}, 'groups');
		}
		const name = String(data.get('groupName') ?? '');
		return {
			form: 'groups',
			success: `Took ${name || 'the group'} out of the grouping. The group itself stays.`
		};
	},
	signup: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), [
			'open',
			'sizeLimit',
			'opensAt',
			'closesAt',
			'autoLeader'
		]);
		try {
			await courseGroups.updateSignup(user, event.params.groupingId, {
				open: values.open === 'on',
				sizeLimit: values.sizeLimit,
				// datetime-local values, read in the person's time zone.
				opensAt: localInputToIso(values.opensAt, user.timeZone ?? DEFAULT_TIME_ZONE),
				closesAt: localInputToIso(values.closesAt, user.timeZone ?? DEFAULT_TIME_ZONE),
				autoLeader: values.autoLeader || 'none'
			});
		} catch (caught) {
			return formFailure(caught, values, 'signup');
		}
		return {
			form: 'signup',
			success: values.open === 'on' ? 'Sign-up is on.' : 'Saved. Sign-up is off.'
		};
	},
	assign: async (event) => {
		const user = requireUser(event);
		try {
			const report = await courseGroups.assignUnassigned(user, event.params.groupingId);
			if ('run' in report) return { form: 'assign', run: report.run };
			return {
				form: 'assign',
				report,
				success:
					report.assigned === 0 && report.leftOver.length === 0
						? 'Everyone is already in a group of this grouping.'
						: `Placed ${report.assigned} ${report.assigned === 1 ? 'learner' : 'learners'}.` +
							(report.leftOver.length > 0
								? ` ${report.leftOver.length} did not fit: the groups are full.`
								: '')
			};
		} catch (caught) {
			return formFailure(caught, {}, 'assign');
		}
	}
};
