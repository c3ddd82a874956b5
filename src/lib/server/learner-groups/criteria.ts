import type { Tx } from '$lib/server/db';
import type { Criteria, Criterion } from '$lib/schemas/learner-groups';

function predicate(tx: Tx, courseId: string, c: Criterion, at: Date) {
	switch (c.type) {
		case 'enrolled':
			return c.when === 'before'
				? tx`b.enrolled_at < ${c.date}::timestamptz`
				: tx`b.enrolled_at > ${c.date}::timestamptz`;
		case 'progress':
			// Compared as integers (done × 100 against percent × visible), so SQL and TypeScript
			// agree exactly; a learner with nothing to do has progress 0.
			return c.op === 'below'
				? tx`(coalesce(p.done, 0) * 100 < ${c.percent}::numeric * coalesce(p.visible, 0)
				      or (coalesce(p.visible, 0) = 0 and 0 < ${c.percent}::numeric))`
				: tx`(coalesce(p.visible, 0) > 0 and p.done * 100 > ${c.percent}::numeric * p.visible)`;
		case 'completed':
			return c.activityId === 'any'
				? tx`exists (select 1 from public.completions c
				      where c.course_id = ${courseId} and c.user_id = b.user_id and c.completed_at is not null)`
				: tx`exists (select 1 from public.completions c
				      where c.activity_id = ${c.activityId} and c.user_id = b.user_id and c.completed_at is not null)`;
		case 'score':
			return c.op === 'below'
				? tx`exists (select 1 from public.completions c
				      where c.activity_id = ${c.activityId} and c.user_id = b.user_id and c.score < ${c.value}::numeric)`
				: tx`exists (select 1 from public.completions c
				      where c.activity_id = ${c.activityId} and c.user_id = b.user_id and c.score > ${c.value}::numeric)`;
		case 'inactive':
			return tx`coalesce(ls.last_at, b.enrolled_at) <= ${at}::timestamptz - make_interval(hours => 24 * ${c.days}::int)`;
		case 'member':
			return tx`exists (select 1 from public.group_closure gc
			            join public.group_members m on m.group_id = gc.descendant_id
			            where gc.ancestor_id = ${c.groupId} and m.user_id = b.user_id
			              and m.valid_from <= ${at}::timestamptz and m.valid_until > ${at}::timestamptz)`;
		case 'enrolment':
			return tx`(${c.role === undefined ? tx`true` : tx`b.role = ${c.role}`}
			           and ${c.status === undefined ? tx`true` : tx`b.status = ${c.status}`})`;
	}
}

/** Each person's latest course view, post or completion in the course, joined to enrolments `b` as `ls`. */
function lastSeenJoin(tx: Tx, courseId: string) {
	return tx`
		left join (
		  select x.user_id, max(x.at) as last_at from (
		    select le.user_id, le.occurred_at as at from public.learner_events le
		    where le.course_id = ${courseId}
		    union all
		    select c.user_id, c.completed_at from public.completions c
		    where c.course_id = ${courseId} and c.completed_at is not null
		  ) x group by x.user_id
		) ls on ls.user_id = b.user_id`;
}

/**
 * The first moment after `at` when the result can change by the clock alone, with no fact
 * written: someone crossing an "inactive for N days" line, or a membership starting or ending
 * (valid_from / valid_until) in a group a "member" criterion names or, for "progress", a group
 * restricting one of the course's activities (sub-groups included). One `next` column, null
 * when nothing can change by the clock.
 */
export function clockChangeQuery(tx: Tx, courseId: string, criteria: Criteria, at: Date) {
	const days = criteria.all.flatMap((c) => (c.type === 'inactive' ? [c.days] : []));
	const named = criteria.all.flatMap((c) => (c.type === 'member' ? [c.groupId] : []));
	const readsRestrictions = criteria.all.some((c) => c.type === 'progress');
	const inactivity =
		days.length === 0
			? tx`null::timestamptz`
			: tx`(
				select min(s.since + make_interval(hours => 24 * d.days))
				from (
				  select coalesce(ls.last_at, b.enrolled_at) as since
				  from public.enrolments b
				  ${lastSeenJoin(tx, courseId)}
				  where b.course_id = ${courseId}
				) s, unnest(${days}::int[]) d (days)
				where s.since + make_interval(hours => 24 * d.days) > ${at}::timestamptz)`;
	const memberships =
		named.length === 0 && !readsRestrictions
			? tx`null::timestamptz`
			: tx`(
				select min(case when m.valid_from > ${at}::timestamptz then m.valid_from else m.valid_until end)
				from public.group_members m
				where m.group_id in (
				  select gc.descendant_id from public.group_closure gc
				  where gc.ancestor_id = any(${named}::uuid[])
				     ${
								readsRestrictions
									? tx`or gc.ancestor_id in (
									     select r.group_id from private.activity_allowed_groups() r
									     join public.activities a on a.id = r.activity_id where a.course_id = ${courseId})`
									: tx``
							})
				  and (m.valid_from > ${at}::timestamptz
				       or (m.valid_until > ${at}::timestamptz and m.valid_until < 'infinity'::timestamptz)))`;
	return tx`select least(${inactivity}, ${memberships}) as next`;
}

/**
 * The people of a course who match `criteria` at time `at`, as one query (user_id column). The
 * document becomes SQL with bound parameters only: its values never become SQL text. Runs as the
 * system (it reads everyone's progress through private.course_progress).
 */
export function targetQuery(tx: Tx, courseId: string, criteria: Criteria, at: Date) {
	const needsProgress = criteria.all.some((c) => c.type === 'progress');
	const needsLastSeen = criteria.all.some((c) => c.type === 'inactive');
	const predicates = criteria.all.map((c) => {
		const p = predicate(tx, courseId, c, at);
		return c.negate ? tx`not ${p}` : p;
	});
	const where = predicates.length === 1 ? predicates[0] : tx`${predicates[0]} and ${predicates[1]}`;
	return tx`
		select b.user_id
		from public.enrolments b
		${
			needsProgress
				? tx`left join private.course_progress(${[courseId]}::uuid[], ${at}::timestamptz) p
				       on p.user_id = b.user_id`
				: tx``
		}
		${needsLastSeen ? lastSeenJoin(tx, courseId) : tx``}
		where b.course_id = ${courseId} and ${where}`;
}
