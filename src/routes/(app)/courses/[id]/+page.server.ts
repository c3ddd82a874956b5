import { fail } from '@sveltejs/kit';
import * as courseGroups from '$lib/server/course-groups';
import * as courses from '$lib/server/courses';
import * as directMessages from '$lib/server/direct-messages';
import * as enrolments from '$lib/server/enrolments';
import * as groups from '$lib/server/groups';
import * as interventions from '$lib/server/learner-groups/interventions';
import * as users from '$lib/server/users';
import { formFailure, formValues } from '$lib/server/forms';
import { editsFailure, enrolmentChangesFrom, savedMessage } from './edits';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { courseRole } from '$lib/schemas/common';
import { parse } from '$lib/server/validate';
import type { Actions, PageServerLoad } from './$types';

const FILTERS = ['search', 'role', 'status', 'page'] as const;

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { params, url } = event;
	const [course, can] = await Promise.all([
		orErrorPage(courses.get(user, params.id)),
		courses.capabilities(user, params.id)
	]);
	const query = {
		...Object.fromEntries(
			FILTERS.map((name) => [name, url.searchParams.get(name) ?? undefined]).filter(
				([, value]) => value
			)
		),
		// Only the group filters the address names: with none, a learner in separate or visible
		// mode opens on their own group (the domain decides).
		...(url.searchParams.has('group')
			? { groupIds: url.searchParams.getAll('group').filter(Boolean) }
			: {}),
		...(url.searchParams.has('match') ? { match: url.searchParams.get('match') || 'any' } : {}),
		...(url.searchParams.has('noGroup')
			? { noGroup: url.searchParams.get('noGroup') === 'on' }
			: {})
	};
	const find = can.canManage ? (url.searchParams.get('find') ?? '').trim() : '';
	const [participants, found, courseGroupTree, signup, unseen] = await Promise.all([
		orErrorPage(enrolments.listParticipants(user, course.id, query)),
		find ? users.search(user, find) : Promise.resolve(null),
		orErrorPage(groups.tree(user, { courseId: course.id })),
		course.myRole === 'learner' ? courseGroups.signupView(user, course.id) : Promise.resolve([]),
		course.myRole === 'learner' ? interventions.unseenCount(user, course.id) : Promise.resolve(0)
	]);
	const messageable = await directMessages.messageable(
		user,
		participants.participants.map((participant) => participant.userId)
	);
	return {
		course,
		can,
		participants,
		messageable: [...messageable],
		filters: {
			search: String(query.search ?? ''),
			role: String(query.role ?? ''),
			status: String(query.status ?? ''),
			groupIds: participants.groupIds,
			match: (['any', 'all', 'none'].includes(query.match ?? 'any')
				? (query.match ?? 'any')
				: 'any') as 'any' | 'all' | 'none',
			noGroup: query.noGroup ?? false
		},
		groupOptions: courseGroupTree.map(({ id, name }) => ({ id, name })),
		/** Groupings a learner may sign up to now, for a pointer to the Sign up tab. */
		openSignups: signup
			.filter((grouping) => grouping.openNow)
			.map(({ id, name, myGroupIds }) => ({ id, name, signedUp: myGroupIds.length > 0 })),
		find,
		found,
		/** Messages from the course team the learner has not seen yet (on the Activities page). */
		unseenMessages: unseen
	};
};

export const actions: Actions = {
	bulkGroups: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const values = formValues(data, ['action', 'groupId']);
		const userIds = data.getAll('userIds').map(String);
		try {
			const result = await courseGroups.bulkGroupMembership(user, event.params.id, {
				action: values.action,
				groupId: values.groupId,
				userIds
			});
			return {
				form: 'bulkGroups',
				success:
					result.action === 'add'
						? `Added ${result.added} to the group (${result.unchanged} already in it).`
						: `Took ${result.removed} out of the group.`
			};
		} catch (error) {
			return formFailure(error, values, 'bulkGroups');
		}
	},
	saveEnrolments: async (event) => {
		const user = requireUser(event);
		const { changes, names } = enrolmentChangesFrom(await event.request.formData());
		try {
			const { updated } = await enrolments.updateEnrolments(user, event.params.id, { changes });
			// Named in the list's order, as posted.
			const saved = new Set(updated.map((row) => row.userId));
			return {
				form: 'edits',
				success: savedMessage(
					changes.filter((change) => saved.has(change.userId)).map((change) => names[change.userId])
				)
			};
		} catch (error) {
			return editsFailure(error, changes);
		}
	},
	unenrol: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['userId', 'displayName']);
		try {
			await enrolments.unenrol(user, event.params.id, values.userId);
		} catch (error) {
			return formFailure(error, values, 'row');
		}
		return { form: 'row', success: `${values.displayName || 'The participant'} was unenrolled.` };
	},
	enrolUsers: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const role = String(data.get('role') ?? 'learner');
		try {
			const { enrolled } = await enrolments.enrolUsers(user, event.params.id, {
				userIds: data.getAll('userIds').map(String),
				role
			});
			return {
				form: 'pick',
				success: `Enrolled ${enrolled} ${enrolled === 1 ? 'person' : 'people'} as ${role}.`
			};
		} catch (error) {
			return formFailure(error, { role }, 'pick');
		}
	},
	previewEmails: async (event) => enrolEmails(event, false),
	applyEmails: async (event) => enrolEmails(event, true),
	previewCsv: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const defaultRole = String(data.get('defaultRole') || 'learner');
		const file = data.get('file');
		if (!(file instanceof File) || file.size === 0) {
			return fail(400, {
				form: 'csv',
				message: 'Choose a CSV file to upload.',
				issues: [{ path: 'file', message: 'Choose a CSV file.' }],
				values: { defaultRole }
			});
		}
		const csvText = await file.text();
		try {
			const role = parse(courseRole, defaultRole);
			const report = await enrolments.previewCsv(user, event.params.id, csvText, role);
			return { form: 'csv', report, csvText, defaultRole, fileName: file.name };
		} catch (error) {
			return formFailure(error, { defaultRole }, 'csv');
		}
	},
	applyCsv: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const csvText = String(data.get('csvText') ?? '');
		const defaultRole = String(data.get('defaultRole') || 'learner');
		try {
			const role = parse(courseRole, defaultRole);
			const report = await enrolments.applyCsv(
				user,
				event.params.id,
				csvText,
				role,
				'csv',
				event.url.origin
			);
			return {
				form: 'csv',
				report,
				csvText: '',
				defaultRole,
				fileName: String(data.get('fileName') ?? '')
			};
		} catch (error) {
			return formFailure(error, { defaultRole }, 'csv');
		}
	}
};

async function enrolEmails(event: Parameters<Actions[string]>[0], apply: boolean) {
	const user = requireUser(event);
	const values = formValues(await event.request.formData(), ['emails', 'role']);
	try {
		const report = await enrolments.enrolByEmails(user, event.params.id!, values, {
			apply,
			origin: event.url.origin
		});
		return { form: 'emails', report, values };
	} catch (error) {
		return formFailure(error, values, 'emails');
	}
}
