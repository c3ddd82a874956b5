import { requireAccess } from '$lib/server/access';
import {
	asService,
	isPgError,
	PG,
	readAs,
	withUser,
	type Actor,
	type Tx,
	type Via
} from '$lib/server/db';
import { DomainError, invalid, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/progress';
import { progressChanged } from './changes';

export { ingest, type IngestReport, type IngestResult } from './ingest';

export type ActivityType = (typeof schemas.activityTypes)[number];

export type Activity = {
	id: string;
	courseId: string;
	idnumber: string | null;
	title: string;
	description: string;
	type: ActivityType;
	dueAt: Date | null;
	selfCompletion: boolean;
	maxScore: number | null;
	position: number;
	/** Whether any group restriction applies (groups the viewer cannot see are not named). */
	restricted: boolean;
	restrictedTo: { id: string; name: string }[];
	/** Groupings it is restricted to (named to staff only); their groups' members may open it. */
	restrictedToGroupings: { id: string; name: string }[];
	/** Restrictions whose group or grouping was deleted (staff only): they keep it closed to learners. */
	restrictedToDeleted: number;
	myCompletion: { completedAt: Date | null; score: number | null; source: string } | null;
};

/** A restricted activity the viewer may not open: they learn it exists, not who may open it. */
export type LockedActivity = {
	id: string;
	title: string;
	type: ActivityType;
	dueAt: Date | null;
	position: number;
};

export type CourseActivities = {
	activities: Activity[];
	locked: LockedActivity[];
	canManage: boolean;
	canRecord: boolean;
	progress: { visible: number; done: number; percent: number } | null;
};

export type CompletionRow = {
	userId: string;
	displayName: string;
	email: string | null;
	completedAt: Date | null;
	score: number | null;
	source: string | null;
};

const activityColumns = (tx: Tx) => tx`
	a.id, a.course_id as "courseId", a.idnumber, a.title, a.description, a.type, a.due_at as "dueAt",
	a.self_completion as "selfCompletion", a.max_score::float8 as "maxScore", a.position,
	exists (select 1 from private.activity_allowed_groups() r where r.activity_id = a.id) as restricted,
	coalesce((select json_agg(json_build_object('id', g.id, 'name', g.name) order by g.name)
	          from public.activity_restrictions r join public.groups g on g.id = r.group_id
	          where r.activity_id = a.id), '[]') as "restrictedTo",
	coalesce((select json_agg(json_build_object('id', gr.id, 'name', gr.name) order by gr.name)
	          from public.activity_restrictions r join public.groupings gr on gr.id = r.grouping_id
	          where r.activity_id = a.id), '[]') as "restrictedToGroupings",
	(select count(*)::int from public.activity_restrictions r
	 where r.activity_id = a.id and r.group_id is null and r.grouping_id is null) as "restrictedToDeleted",
	(select json_build_object('completedAt', c.completed_at, 'score', c.score::float8, 'source', c.source)
	 from public.completions c where c.activity_id = a.id and c.user_id = (select auth.uid())) as "myCompletion"`;

function parseDates<T extends { myCompletion: Activity['myCompletion'] }>(row: T): T {
	if (row.myCompletion?.completedAt) {
		row.myCompletion.completedAt = new Date(row.myCompletion.completedAt);
	}
	return row;
}

async function progressOf(tx: Tx, courseId: string, userId: string) {
	const [row] = await tx<{ visible: number; done: number }[]>`
		select
			(select count(*)::int from public.activities a where a.course_id = ${courseId}) as visible,
			(select count(*)::int from public.completions c join public.activities a on a.id = c.activity_id
			 where c.course_id = ${courseId} and c.user_id = ${userId} and c.completed_at is not null) as done`;
	return {
		...row,
		percent: row.visible === 0 ? 0 : Math.round((row.done * 1000) / row.visible) / 10
	};
}

/** The activities of a course the actor may open (with their own completion), the locked ones, and their own progress. */
export function listActivities(actor: Actor, courseId: string): Promise<CourseActivities> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.view', courseId);
		const activities = (
			await tx<Activity[]>`
				select ${activityColumns(tx)} from public.activities a
				where a.course_id = ${courseId} order by a.position, lower(a.title), a.id`
		).map(parseDates);
		const locked = await tx<LockedActivity[]>`
			select id, title, type, due_at as "dueAt", position
			from private.restricted_activity_stubs(${courseId}) order by position, lower(title), id`;
		const [role] = await tx<{ manage: boolean; record: boolean; learner: boolean }[]>`
			select coalesce(can.can_manage, false) as manage, coalesce(can.can_staff, false) as record,
			       exists (select 1 from public.enrolments e where e.course_id = ${courseId}
			               and e.user_id = (select auth.uid()) and e.role = 'learner') as learner
			from (select) as one left join public.course_capabilities(array[${courseId}::uuid]) can on true`;
		return {
			activities,
			locked,
			canManage: role.manage,
			canRecord: role.record,
			progress: role.learner ? await progressOf(tx, courseId, actor!.id) : null
		};
	});
}

/** One activity the actor may open. */
export function getActivity(actor: Actor, activityId: string): Promise<Activity> {
	if (!isUuid(activityId)) return Promise.reject(notFound());
	return readAs(actor, async (tx) => {
		const [activity] = await tx<Activity[]>`
			select ${activityColumns(tx)} from public.activities a where a.id = ${activityId}`;
		if (!activity) throw notFound();
		return parseDates(activity);
	});
}

function translateWriteError(error: unknown, idnumber?: string | null): never {
	if (isPgError(error, PG.uniqueViolation)) {
		throw new DomainError(
			409,
			'idnumber_taken',
			`The idnumber "${idnumber}" is already used in this course.`,
			[{ path: 'idnumber', message: 'This idnumber is already used in this course.' }]
		);
	}
	if (isPgError(error, PG.checkViolation) && !error.constraint_name) {
		const path = /grouping/.test(error.message) ? 'restrictedToGroupings' : 'restrictedTo';
		throw invalid(error.message, [{ path, message: error.message }]);
	}
	if (isPgError(error, PG.insufficientPrivilege) || isPgError(error, PG.foreignKeyViolation)) {
		throw notFound();
	}
	throw error;
}

/** Replaces an activity's restrictions of one kind (groups or groupings); the other kind stays. */
async function replaceRestrictions(
	tx: Tx,
	activityId: string,
	kind: 'group' | 'grouping',
	ids: string[],
	actor: Actor
) {
	const column = kind === 'group' ? tx`group_id` : tx`grouping_id`;
	// Restrictions left by a deleted group or grouping go with any change of restrictions.
	await tx`
		delete from public.activity_restrictions
		where activity_id = ${activityId} and (${column} is not null or num_nonnulls(group_id, grouping_id) = 0)`;
	if (ids.length > 0) {
		await tx`
			insert into public.activity_restrictions (activity_id, ${column}, course_id, created_by)
			select ${activityId}, g, (select course_id from public.activities where id = ${activityId}), ${actor?.id ?? null}
			from unnest(${[...new Set(ids)]}::uuid[]) as g`;
	}
}

/** Adds an activity to a course, optionally restricted to groups and groupings of the course (course managers). */
export async function createActivity(
	actor: Actor,
	courseId: string,
	input: unknown,
	via: Via = 'app'
): Promise<Activity> {
	const data = parse(schemas.activityCreate, input);
	const id = crypto.randomUUID();
	try {
		await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'course.manage', courseId);
				await tx`
					insert into public.activities (id, course_id, idnumber, title, description, type, due_at,
					                               self_completion, max_score, position, created_by)
					values (${id}, ${courseId}, ${data.idnumber}, ${data.title}, ${data.description}, ${data.type},
					        ${data.dueAt}, ${data.selfCompletion}, ${data.maxScore}, ${data.position}, ${actor?.id ?? null})`;
				await replaceRestrictions(tx, id, 'group', data.restrictedTo, actor);
				await replaceRestrictions(tx, id, 'grouping', data.restrictedToGroupings, actor);
			},
			via
		);
	} catch (error) {
		if (error instanceof DomainError) throw error;
		translateWriteError(error, data.idnumber);
	}
	void progressChanged([courseId]);
	return getActivity(actor, id);
}

/** Edits an activity; restrictedTo / restrictedToGroupings, when given, replace those restrictions (course managers). */
export async function updateActivity(
	actor: Actor,
	activityId: string,
	input: unknown,
	via: Via = 'app'
): Promise<Activity> {
	const data = parse(schemas.activityUpdate, input);
	if (!isUuid(activityId)) throw notFound();
	let courseId = '';
	try {
		await withUser(
			actor,
			async (tx) => {
				const [current] = await tx<{ course_id: string }[]>`
					select course_id from public.activities where id = ${activityId}`;
				if (!current) throw notFound();
				courseId = current.course_id;
				await requireAccess(tx, 'course.manage', courseId);
				const has = (key: keyof typeof data) => data[key] !== undefined;
				await tx`
					update public.activities set
						idnumber = ${has('idnumber') ? data.idnumber! : tx`idnumber`},
						title = ${has('title') ? data.title! : tx`title`},
						description = ${has('description') ? data.description! : tx`description`},
						type = ${has('type') ? data.type! : tx`type`},
						due_at = ${has('dueAt') ? data.dueAt! : tx`due_at`},
						self_completion = ${has('selfCompletion') ? data.selfCompletion! : tx`self_completion`},
						max_score = ${has('maxScore') ? data.maxScore! : tx`max_score`},
						position = ${has('position') ? data.position! : tx`position`}
					where id = ${activityId}`;
				if (data.restrictedTo !== undefined) {
					await replaceRestrictions(tx, activityId, 'group', data.restrictedTo, actor);
				}
				if (data.restrictedToGroupings !== undefined) {
					await replaceRestrictions(tx, activityId, 'grouping', data.restrictedToGroupings, actor);
				}
			},
			via
		);
	} catch (error) {
		if (error instanceof DomainError) throw error;
		translateWriteError(error, data.idnumber);
	}
	if (data.restrictedTo !== undefined || data.restrictedToGroupings !== undefined) {
		void progressChanged([courseId]);
	}
	return getActivity(actor, activityId);
}

/** Deletes an activity and its completions (course managers). */
export async function deleteActivity(actor: Actor, activityId: string, via: Via = 'app') {
	if (!isUuid(activityId)) throw notFound();
	const courseId = await withUser(
		actor,
		async (tx) => {
			const [current] = await tx<{ course_id: string }[]>`
				select course_id from public.activities where id = ${activityId}`;
			if (!current) throw notFound();
			await requireAccess(tx, 'course.manage', current.course_id);
			await tx`delete from public.activities where id = ${activityId}`;
			return current.course_id;
		},
		via
	);
	void progressChanged([courseId]);
}

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

/** Every learner of the activity's course with their completion and score for it (course staff). */
export function listCompletions(actor: Actor, activityId: string): Promise<CompletionRow[]> {
	if (!isUuid(activityId)) return Promise.reject(notFound());
	return readAs(actor, async (tx) => {
		const [activity] = await tx<{ course_id: string }[]>`
			select course_id from public.activities where id = ${activityId}`;
		if (!activity) throw notFound();
		await requireAccess(tx, 'course.staff', activity.course_id);
		return tx<CompletionRow[]>`
			select u.id as "userId", u.display_name as "displayName", ve.email,
			       c.completed_at as "completedAt", c.score::float8 as score, c.source
			from public.enrolments e join public.users u on u.id = e.user_id
			left join private.visible_emails() ve on ve.user_id = u.id
			left join public.completions c on c.activity_id = ${activityId} and c.user_id = e.user_id
			where e.course_id = ${activity.course_id} and e.role = 'learner'
			order by lower(u.display_name), u.id`;
	});
}

/** Records a course view or a post by the actor in one of their courses. */
export async function recordEvent(actor: NonNullable<Actor>, input: unknown, via: Via = 'app') {
	const data = parse(schemas.learnerEvent, input);
	try {
		await withUser(
			actor,
			(tx) => tx`
				insert into public.learner_events (user_id, course_id, kind)
				values (${actor.id}, ${data.courseId}, ${data.kind})`,
			via
		);
	} catch (error) {
		if (isPgError(error, PG.insufficientPrivilege) || isPgError(error, PG.foreignKeyViolation)) {
			throw notFound();
		}
		throw error;
	}
}

/** Records a sign-in (the system does, at sign-in). */
export async function recordSignIn(userId: string): Promise<void> {
	await asService(
		(tx) => tx`insert into public.learner_events (user_id, kind) values (${userId}, 'sign_in')`
	);
}
