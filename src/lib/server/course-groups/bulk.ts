import { requireAccess } from '$lib/server/access';
import { readAs, type Actor, type Via } from '$lib/server/db';
import { notFound } from '$lib/server/errors';
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
		// A group of another course is as missing as one nobody has.
		if (!group) throw notFound();
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
