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
import type { GroupMode } from '$lib/schemas/course-groups';
import { progressChanged } from './changes';

export { ingest, type IngestReport, type IngestResult } from './ingest';
export {
	completionsView,
	listCompletions,
	markComplete,
	recordCompletion,
	unmarkComplete,
	type ActivityGroupView,
	type CompletionRow
} from './completions';

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
	/** Open to members of any group of the course (named to staff only). */
	restrictedToAnyGroup: boolean;
	/** The restrictions (group or grouping ids, "anyGroup") that hide it from those it is closed to (staff only). */
	hiddenWhenClosed: string[];
	/** Its own group mode (null: the course's). */
	groupMode: GroupMode | null;
	/** The mode it works in: the course's when forced or when it has none. */
	effectiveGroupMode: GroupMode;
	/** The grouping its group mode works with (null: every course group). */
	groupingId: string | null;
	myCompletion: { completedAt: Date | null; score: number | null; source: string } | null;
};

/**
 * A restricted activity the viewer may not open: they learn it exists and why in terms of their
 * own groups, never who may open it. One hidden by its restrictions is not listed at all.
 */
export type LockedActivity = {
	id: string;
	title: string;
	type: ActivityType;
	dueAt: Date | null;
	position: number;
	reason: string;
};

/** Why a locked activity is closed, naming only the viewer's own groups. */
export function lockedReason(anyGroup: boolean, myGroups: string[]): string {
	if (myGroups.length === 0) {
		return anyGroup
			? 'Open to members of a group of this course, and you are not in one yet.'
			: 'Open to members of certain groups of this course, and you are not in a group of this course.';
	}
	const list = new Intl.ListFormat('en', { type: 'conjunction' }).format(myGroups);
	return myGroups.length === 1
		? `Open to members of certain groups of this course; your group, ${list}, is not one of them.`
		: `Open to members of certain groups of this course; your groups, ${list}, are not among them.`;
}

export type CourseActivities = {
	activities: Activity[];
	locked: LockedActivity[];
	canManage: boolean;
	canRecord: boolean;
	progress: { visible: number; done: number; percent: number } | null;
};

const activityColumns = (tx: Tx) => tx`
	a.id, a.course_id as "courseId", a.idnumber, a.title, a.description, a.type, a.due_at as "dueAt",
	a.self_completion as "selfCompletion", a.max_score::float8 as "maxScore", a.position,
	exists (select 1 from private.activity_allowed_groups() r where r.activity_id = a.id) as restricted,
	coalesce((select json_agg(json_build_object('id', g.id, 'name', g.name) order by g.name collate public.natural)
	          from public.activity_restrictions r join public.groups g on g.id = r.group_id
	          where r.activity_id = a.id), '[]') as "restrictedTo",
	coalesce((select json_agg(json_build_object('id', gr.id, 'name', gr.name) order by gr.name collate public.natural)
	          from public.activity_restrictions r join public.groupings gr on gr.id = r.grouping_id
	          where r.activity_id = a.id), '[]') as "restrictedToGroupings",
	(select count(*)::int from public.activity_restrictions r
	 where r.activity_id = a.id and r.group_id is null and r.grouping_id is null and not r.any_group) as "restrictedToDeleted",
	exists (select 1 from public.activity_restrictions r where r.activity_id = a.id and r.any_group) as "restrictedToAnyGroup",
	coalesce((select json_agg(case when r.any_group then 'anyGroup' else coalesce(r.group_id, r.grouping_id)::text end)
	          from public.activity_restrictions r
	          where r.activity_id = a.id and r.hidden and (r.any_group or num_nonnulls(r.group_id, r.grouping_id) = 1)),
	         '[]') as "hiddenWhenClosed",
	a.group_mode as "groupMode", a.grouping_id as "groupingId",
	(select private.effective_group_mode(c.group_mode, c.force_group_mode, a.group_mode)
	 from public.courses c where c.id = a.course_id) as "effectiveGroupMode",
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
		const stubs = await tx<(Omit<LockedActivity, 'reason'> & { anyGroup: boolean })[]>`
			select id, title, type, due_at as "dueAt", position, any_group as "anyGroup"
			from private.restricted_activity_stubs(${courseId}) order by position, lower(title), id`;
		const myGroups =
			stubs.length === 0
				? []
				: (
						await tx<{ name: string }[]>`
							select g.name from public.groups g
							where g.course_id = ${courseId} and g.kind <> 'learner-group'
							  and g.id in (select m.group_id from public.current_memberships m
							               where m.user_id = (select auth.uid()))
							order by g.name collate public.natural`
					).map((row) => row.name);
		const locked = stubs.map(({ anyGroup, ...stub }) => ({
			...stub,
			reason: lockedReason(anyGroup, myGroups)
		}));
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
		const path = /works with a grouping/.test(error.message)
			? 'groupingId'
			: /grouping/.test(error.message)
				? 'restrictedToGroupings'
				: 'restrictedTo';
		throw invalid(error.message, [{ path, message: error.message }]);
	}
	if (isPgError(error, PG.insufficientPrivilege) || isPgError(error, PG.foreignKeyViolation)) {
		throw notFound();
	}
	throw error;
}

type RestrictionInput = {
	restrictedTo?: string[];
	restrictedToGroupings?: string[];
	restrictedToAnyGroup?: boolean;
	hiddenWhenClosed?: string[];
};

/**
 * Sets an activity's restrictions from what the input says: each of groups, groupings and "any
 * group" given replaces that kind, the others stay; hiddenWhenClosed, when given, says which of
 * them hide the activity (otherwise a restriction kept keeps its choice, a new one shows locked).
 * Restrictions left by a deleted group or grouping go with any change. Answers whether it changed.
 */
async function setRestrictions(tx: Tx, activityId: string, data: RestrictionInput, actor: Actor) {
	if (
		data.restrictedTo === undefined &&
		data.restrictedToGroupings === undefined &&
		data.restrictedToAnyGroup === undefined &&
		data.hiddenWhenClosed === undefined
	) {
		return false;
	}
	const current = await tx<
		{ groupId: string | null; groupingId: string | null; anyGroup: boolean; hidden: boolean }[]
	>`
		select group_id as "groupId", grouping_id as "groupingId", any_group as "anyGroup", hidden
		from public.activity_restrictions where activity_id = ${activityId}`;
	const groupIds = [
		...new Set(data.restrictedTo ?? current.flatMap((r) => (r.groupId ? [r.groupId] : [])))
	];
	const groupingIds = [
		...new Set(
			data.restrictedToGroupings ?? current.flatMap((r) => (r.groupingId ? [r.groupingId] : []))
		)
	];
	const anyGroup = data.restrictedToAnyGroup ?? current.some((r) => r.anyGroup);
	const targets = new Set([...groupIds, ...groupingIds, ...(anyGroup ? ['anyGroup'] : [])]);
	const unknown = (data.hiddenWhenClosed ?? []).filter((id) => !targets.has(id));
	if (unknown.length > 0) {
		const message = 'hiddenWhenClosed names only restrictions the activity has.';
		throw invalid(message, [{ path: 'hiddenWhenClosed', message }]);
	}
	const hidden = new Set(
		data.hiddenWhenClosed ??
			current
				.filter((r) => r.hidden)
				.map((r) => (r.anyGroup ? 'anyGroup' : (r.groupId ?? r.groupingId ?? '')))
	);
	await tx`delete from public.activity_restrictions where activity_id = ${activityId}`;
	const course = tx`(select course_id from public.activities where id = ${activityId})`;
	const by = actor?.id ?? null;
	if (groupIds.length > 0) {
		await tx`
			insert into public.activity_restrictions (activity_id, group_id, hidden, course_id, created_by)
			select ${activityId}, t.id, t.id = any (${[...hidden].filter((id) => id !== 'anyGroup')}::uuid[]), ${course}, ${by}
			from unnest(${groupIds}::uuid[]) as t(id)`;
	}
	if (groupingIds.length > 0) {
		await tx`
			insert into public.activity_restrictions (activity_id, grouping_id, hidden, course_id, created_by)
			select ${activityId}, t.id, t.id = any (${[...hidden].filter((id) => id !== 'anyGroup')}::uuid[]), ${course}, ${by}
			from unnest(${groupingIds}::uuid[]) as t(id)`;
	}
	if (anyGroup) {
		await tx`
			insert into public.activity_restrictions (activity_id, any_group, hidden, course_id, created_by)
			values (${activityId}, true, ${hidden.has('anyGroup')}, ${course}, ${by})`;
	}
	return true;
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
					                               self_completion, max_score, position, created_by,
					                               group_mode, grouping_id)
					values (${id}, ${courseId}, ${data.idnumber}, ${data.title}, ${data.description}, ${data.type},
					        ${data.dueAt}, ${data.selfCompletion}, ${data.maxScore}, ${data.position}, ${actor?.id ?? null},
					        ${data.groupMode}, ${data.groupingId})`;
				await setRestrictions(tx, id, data, actor);
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
	let restrictionsChanged = false;
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
						position = ${has('position') ? data.position! : tx`position`},
						group_mode = ${has('groupMode') ? data.groupMode! : tx`group_mode`},
						grouping_id = ${has('groupingId') ? data.groupingId! : tx`grouping_id`}
					where id = ${activityId}`;
				restrictionsChanged = await setRestrictions(tx, activityId, data, actor);
			},
			via
		);
	} catch (error) {
		if (error instanceof DomainError) throw error;
		translateWriteError(error, data.idnumber);
	}
	if (restrictionsChanged) void progressChanged([courseId]);
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
