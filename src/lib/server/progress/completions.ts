import { requireAccess } from '$lib/server/access';
import { isPgError, PG, readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError, invalid, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/progress';
import type { GroupMode } from '$lib/schemas/course-groups';
import { progressChanged } from './changes';

// Completions and scores: a learner's own marks, staff records, and the staff list of an
// activity, which follows the activity's group mode.

export type CompletionRow = {
	userId: string;
	displayName: string;
	email: string | null;
	completedAt: Date | null;
	score: number | null;
	source: string | null;
};

/** Marks an activity complete for the actor (a learner, where the activity allows it). */
export async function markComplete(
	actor: NonNullable<Actor>,
	activityId: string,
	via: Via = 'app'
) {
	if (!isUuid(activityId)) throw notFound();
	const courseId = await withUser(
		actor,
		async (tx) => {
			const [activity] = await tx<{ course_id: string; self_completion: boolean }[]>`
				select course_id, self_completion from public.activities where id = ${activityId}`;
			if (!activity) throw notFound();
			if (!activity.self_completion) {
				throw new DomainError(403, 'forbidden', 'Your teachers mark this activity complete.');
			}
			const [existing] = await tx<{ completed_at: Date | null }[]>`
				select completed_at from public.completions where activity_id = ${activityId} and user_id = ${actor.id}`;
			if (existing?.completed_at) return activity.course_id;
			try {
				await tx`
					insert into public.completions (activity_id, user_id, course_id, completed_at, source, recorded_by)
					values (${activityId}, ${actor.id}, ${activity.course_id}, now(), 'self', ${actor.id})
					on conflict (activity_id, user_id) do nothing`;
			} catch (error) {
				if (isPgError(error, PG.insufficientPrivilege)) {
					throw new DomainError(
						403,
						'forbidden',
						'Only active learners of the course mark activities complete.'
					);
				}
				throw error;
			}
			return activity.course_id;
		},
		via
	);
	void progressChanged([courseId], [actor.id]);
}

/** Takes back the actor's own completion mark (not one recorded by staff or another system). */
export async function unmarkComplete(
	actor: NonNullable<Actor>,
	activityId: string,
	via: Via = 'app'
) {
	if (!isUuid(activityId)) throw notFound();
	const deleted = await withUser(
		actor,
		(tx) => tx<{ course_id: string }[]>`
			delete from public.completions
			where activity_id = ${activityId} and user_id = ${actor.id} and source = 'self' and score is null
			returning course_id`,
		via
	);
	if (deleted.length > 0) void progressChanged([deleted[0].course_id], [actor.id]);
}

/** Records a learner's completion and/or score as staff; completed=false with no score removes the record. */
export async function recordCompletion(
	actor: NonNullable<Actor>,
	activityId: string,
	input: unknown,
	via: Via = 'app'
): Promise<CompletionRow | null> {
	const data = parse(schemas.completionRecord, input);
	if (!isUuid(activityId)) throw notFound();
	const courseId = await withUser(
		actor,
		async (tx) => {
			const [activity] = await tx<{ course_id: string }[]>`
				select course_id from public.activities where id = ${activityId}`;
			if (!activity) throw notFound();
			await requireAccess(tx, 'course.staff', activity.course_id);
			const [enrolled] = await tx`
				select 1 from public.enrolments where course_id = ${activity.course_id} and user_id = ${data.userId}`;
			if (!enrolled) {
				throw invalid('That person is not in this course.', [
					{ path: 'userId', message: 'That person is not in this course.' }
				]);
			}
			// The completions policies refuse it anyway; this says why.
			const [outside] = await tx`
				select 1 where ${activityId}::uuid = any (private.group_limited_activity_ids_array())
				  and not exists (select 1 from private.group_limited_activity_learners() l
				                  where l.activity_id = ${activityId} and l.user_id = ${data.userId})`;
			if (outside) {
				throw new DomainError(
					403,
					'forbidden',
					'This activity is in separate groups: you record only learners who share a group with you.'
				);
			}
			if (!data.completed && data.score === null) {
				await tx`delete from public.completions where activity_id = ${activityId} and user_id = ${data.userId}`;
				return activity.course_id;
			}
			await tx`
				insert into public.completions (activity_id, user_id, course_id, completed_at, score, scored_at, source, recorded_by)
				values (${activityId}, ${data.userId}, ${activity.course_id}, ${data.completed ? tx`now()` : null},
				        ${data.score}, ${data.score === null ? null : tx`now()`}, 'staff', ${actor.id})
				on conflict (activity_id, user_id) do update set
					completed_at = case when ${data.completed} then coalesce(public.completions.completed_at, now()) end,
					score = excluded.score, scored_at = excluded.scored_at,
					source = 'staff', recorded_by = excluded.recorded_by`;
			return activity.course_id;
		},
		via
	);
	void progressChanged([courseId], [data.userId]);
	const rows = await listCompletions(actor, activityId);
	return (
		rows.find((row) => row.userId === data.userId && (row.completedAt || row.score !== null)) ??
		null
	);
}

/** How an activity's group mode shapes a staff member's view of its completions and scores. */
export type ActivityGroupView = {
	/** The mode the activity works in (the course's when forced or when it has none). */
	mode: GroupMode;
	groupingId: string | null;
	/** Whether the viewer may read every learner (false: only those sharing a group with them). */
	seesAllGroups: boolean;
	/** The groups the viewer may pick (none in mode none), in natural order; `mine` marks theirs. */
	groups: { id: string; name: string; mine: boolean }[];
	/**
	 * The group the view opens on: for staff without access to all groups (assistants) in separate
	 * and visible modes, their first group; otherwise null (everyone).
	 */
	defaultGroupId: string | null;
};

async function groupViewOf(tx: Tx, activityId: string): Promise<ActivityGroupView> {
	const [row] = await tx<
		{ mode: GroupMode; groupingId: string | null; seesAllGroups: boolean; accessAll: boolean }[]
	>`
		select private.effective_group_mode(c.group_mode, c.force_group_mode, a.group_mode) as mode,
		       a.grouping_id as "groupingId",
		       not (a.id = any (private.group_limited_activity_ids_array())) as "seesAllGroups",
		       c.id = any (public.may_manage_courses(array[c.id])) as "accessAll"
		from public.activities a join public.courses c on c.id = a.course_id
		where a.id = ${activityId}`;
	if (row.mode === 'none') {
		return {
			mode: row.mode,
			groupingId: row.groupingId,
			seesAllGroups: true,
			groups: [],
			defaultGroupId: null
		};
	}
	const all = await tx<{ id: string; name: string; mine: boolean }[]>`
		select g.id, g.name,
		       g.id in (select m.group_id from public.effective_members m where m.user_id = (select auth.uid())) as mine
		from public.groups g join public.activities a on a.course_id = g.course_id
		where a.id = ${activityId} and g.kind <> 'learner-group'
		  and (a.grouping_id is null
		       or g.id in (select gg.group_id from public.grouping_groups gg where gg.grouping_id = a.grouping_id))
		order by g.name collate public.natural, g.id`;
	const groups = row.seesAllGroups ? all : all.filter((group) => group.mine);
	return {
		mode: row.mode,
		groupingId: row.groupingId,
		seesAllGroups: row.seesAllGroups,
		groups,
		defaultGroupId: row.accessAll ? null : (groups.find((group) => group.mine)?.id ?? null)
	};
}

/**
 * The learners of the activity's course with their completion and score for it (course staff):
 * every learner for staff with access to all groups or where the activity's group mode allows;
 * in separate mode, for other staff, those who share one of its groups with them (a database
 * rule: the completions policies). `groupId` narrows to one group's effective members.
 */
export function listCompletions(
	actor: Actor,
	activityId: string,
	options: { groupId?: string | null } = {}
): Promise<CompletionRow[]> {
	return completionsView(actor, activityId, options).then((view) => view.items);
}

/** The completions list with its group view (the mode, the groups to pick and the one shown). */
export function completionsView(
	actor: Actor,
	activityId: string,
	options: { groupId?: string | null } = {}
): Promise<{ items: CompletionRow[]; groupView: ActivityGroupView; groupId: string | null }> {
	if (!isUuid(activityId)) return Promise.reject(notFound());
	const groupId = options.groupId || null;
	if (groupId !== null && !isUuid(groupId)) {
		return Promise.reject(
			invalid('That is not a valid group id.', [
				{ path: 'groupId', message: 'Not a valid group id.' }
			])
		);
	}
	return readAs(actor, async (tx) => {
		const [activity] = await tx<{ course_id: string }[]>`
			select course_id from public.activities where id = ${activityId}`;
		if (!activity) throw notFound();
		await requireAccess(tx, 'course.staff', activity.course_id);
		const groupView = await groupViewOf(tx, activityId);
		if (groupId !== null && !groupView.groups.some((group) => group.id === groupId)) {
			throw invalid('Pick one of the groups this activity works with that you may see.', [
				{ path: 'groupId', message: 'Not one of the groups you may see for this activity.' }
			]);
		}
		const items = await tx<CompletionRow[]>`
			select u.id as "userId", u.display_name as "displayName", ve.email,
			       c.completed_at as "completedAt", c.score::float8 as score, c.source
			from public.enrolments e join public.users u on u.id = e.user_id
			left join private.visible_emails() ve on ve.user_id = u.id
			left join public.completions c on c.activity_id = ${activityId} and c.user_id = e.user_id
			where e.course_id = ${activity.course_id} and e.role = 'learner'
			  and (not ${activityId}::uuid = any (private.group_limited_activity_ids_array())
			       or e.user_id in (select l.user_id from private.group_limited_activity_learners() l
			                        where l.activity_id = ${activityId}))
			  and (${groupId}::uuid is null
			       or e.user_id in (select m.user_id from public.effective_members m where m.group_id = ${groupId}))
			order by u.display_name collate public.natural, u.id`;
		return { items, groupView, groupId };
	});
}
