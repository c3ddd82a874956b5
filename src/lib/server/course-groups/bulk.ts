import { requireAccess } from '$lib/server/access';
import { readAs, type Actor, type Via } from '$lib/server/db';
import { invalid } from '$lib/server/errors';
import * as memberships from '$lib/server/memberships';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/course-groups';

export type BulkMembershipResult =
	| { action: 'add'; added: number; updated: number; unchanged: number }
	| { action: 'remove'; removed: number };

/**
 * The participants list's bulk action: adds the chosen people to one of the course's groups, or
 * takes them out of it, as the group's own member verbs do (scope, limits, exclusive groupings
 * and rights are theirs: all or nothing).
 */
export async function bulkGroupMembership(
	actor: Actor,
	courseId: string,
	input: unknown,
	via: Via = 'app'
): Promise<BulkMembershipResult> {
	const data = parse(schemas.participantsGroupAction, input);
	await readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.staff', courseId);
		const [group] = await tx`
			select 1 from public.groups where id = ${data.groupId} and course_id = ${courseId}`;
		if (!group) {
			throw invalid('Choose a group of this course.', [
				{ path: 'groupId', message: 'Not a group of this course.' }
			]);
		}
	});
	if (data.action === 'add') {
		const report = await memberships.add(actor, data.groupId, { userIds: data.userIds }, via);
		return {
			action: 'add',
			added: report.added,
			updated: report.updated,
			unchanged: report.unchanged
		};
	}
	const { removed } = await memberships.remove(actor, data.groupId, { userIds: data.userIds }, via);
	return { action: 'remove', removed };
}
