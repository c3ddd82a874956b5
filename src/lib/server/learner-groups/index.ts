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
import * as schemas from '$lib/schemas/learner-groups';
import type { Criteria } from '$lib/schemas/learner-groups';
import { clockChangeQuery, targetQuery } from './criteria';

export {
	deliver,
	history as interventionHistory,
	inbox,
	send as sendIntervention
} from './interventions';
export type { Intervention, ReceivedIntervention } from './interventions';

export type RefreshMode = (typeof schemas.refreshModes)[number];
export type RefreshTrigger = 'create' | 'manual' | 'schedule' | 'event';

export type CourseSettings = {
	courseId: string;
	learnerGroupsEnabled: boolean;
	inactiveDays: number;
	canManage: boolean;
};

export type LearnerGroup = {
	id: string;
	courseId: string;
	name: string;
	description: string;
	criteria: Criteria;
	refreshMode: RefreshMode;
	cadenceMinutes: number;
	dependsOn: string[];
	lastRefreshedAt: Date | null;
	memberCount: number;
	parentId: string | null;
	parentName: string | null;
	createdAt: Date;
};

export type Person = { id: string; displayName: string; email: string };

export type LearnerGroupDetail = LearnerGroup & { members: Person[]; refreshes: Refresh[] };

export type Refresh = {
	id: number;
	trigger: RefreshTrigger;
	requestedBy: string | null;
	requestedByName: string | null;
	addedCount: number;
	removedCount: number;
	memberCount: number;
	refreshedAt: Date;
	added: { id: string; displayName: string }[];
	removed: { id: string; displayName: string }[];
};

export type RefreshResult = {
	added: number;
	removed: number;
	members: number;
	refreshId: number | null;
	/** Nothing it reads had changed since the last evaluation, so it was not evaluated again. */
	skipped: boolean;
};

/** How long a refresh trusts its last evaluation when nothing it reads was written. */
const TRUST_MS = 12 * 60 * 60 * 1000;

export type Preview = { count: number; sample: { id: string; displayName: string }[] };

const NOT_STARTED_IDNUMBER = 'not-started';
const SAMPLE_SIZE = 10;

const groupColumns = (tx: Tx) => tx`
	g.id, g.course_id as "courseId", g.name, g.description, k.criteria,
	k.refresh_mode as "refreshMode", k.cadence_minutes as "cadenceMinutes", k.depends_on as "dependsOn",
	k.last_refreshed_at as "lastRefreshedAt", g.parent_id as "parentId",
	(select p.name from public.groups p where p.id = g.parent_id) as "parentName", g.created_at as "createdAt",
	(select count(*)::int from public.current_memberships m
	 where m.group_id = g.id and m.role = 'member') as "memberCount"`;

/** The course's progress settings (learner groups on/off, inactivity threshold) and whether the actor may change them. */
export function settings(actor: Actor, courseId: string): Promise<CourseSettings> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.view', courseId);
		return courseSettings(tx, courseId);
	});
}

async function courseSettings(tx: Tx, courseId: string): Promise<CourseSettings> {
	const [row] = await tx<CourseSettings[]>`
		select c.id as "courseId",
		       coalesce(s.learner_groups_enabled, false) as "learnerGroupsEnabled",
		       coalesce(s.inactive_days, 7) as "inactiveDays",
		       c.id = any((select public.may_staff_courses(array[c.id]))::uuid[]) as "canManage"
		from public.courses c left join public.course_progress_settings s on s.course_id = c.id
		where c.id = ${courseId}`;
	if (!row) throw notFound();
	return row;
}

/** Switches learner groups on or off for a course and sets the inactivity threshold (course staff and admins). */
export async function updateSettings(
	actor: Actor,
	courseId: string,
	input: unknown,
	via: Via = 'app'
): Promise<CourseSettings> {
	const data = parse(schemas.settingsUpdate, input);
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'course.staff', courseId);
			await tx`
				insert into public.course_progress_settings (course_id, learner_groups_enabled, inactive_days, updated_by)
				values (${courseId}, ${data.learnerGroupsEnabled ?? false}, ${data.inactiveDays ?? 7}, ${actor!.id})
				on conflict (course_id) do update set
					learner_groups_enabled = coalesce(${data.learnerGroupsEnabled ?? null}::boolean,
					                                  public.course_progress_settings.learner_groups_enabled),
					inactive_days = coalesce(${data.inactiveDays ?? null}::int, public.course_progress_settings.inactive_days),
					updated_by = excluded.updated_by`;
			return courseSettings(tx, courseId);
		},
		via
	);
}

/** Switches learner groups on for a course (shorthand for updateSettings). */
export function enable(actor: Actor, courseId: string, via: Via = 'app') {
	return updateSettings(actor, courseId, { learnerGroupsEnabled: true }, via);
}

async function requireEnabled(tx: Tx, courseId: string) {
	const current = await courseSettings(tx, courseId);
	if (!current.learnerGroupsEnabled) {
		throw new DomainError(
			409,
			'learner_groups_off',
			'Learner groups are switched off for this course. Switch them on in the course settings first.'
		);
	}
}

/** Checks that the activities and groups a criteria document names exist for this actor, in this course. */
async function checkReferences(tx: Tx, courseId: string, criteria: Criteria, selfId?: string) {
	for (const [index, c] of criteria.all.entries()) {
		if ((c.type === 'completed' && c.activityId !== 'any') || c.type === 'score') {
			const [found] = await tx`
				select 1 from public.activities where id = ${c.activityId} and course_id = ${courseId}`;
			if (!found) {
				throw invalid('That activity is not in this course.', [
					{
						path: `criteria.all.${index}.activityId`,
						message: 'That activity is not in this course.'
					}
				]);
			}
		}
		if (c.type === 'member') {
			const [found] = await tx`select 1 from public.groups where id = ${c.groupId}`;
			if (!found || c.groupId === selfId) {
				const message = found
					? 'A learner group cannot depend on its own members.'
					: 'That group does not exist, or you cannot see it.';
				throw invalid(message, [{ path: `criteria.all.${index}.groupId`, message }]);
			}
		}
	}
}

/** Count and a sample of names of the course's people who match a criteria document now (course staff). */
export async function preview(actor: Actor, courseId: string, input: unknown): Promise<Preview> {
	const criteria = parse(schemas.criteria, input);
	await readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.staff', courseId);
		await checkReferences(tx, courseId, criteria);
	});
	const at = new Date();
	return asService(async (tx) => {
		const [{ count }] = await tx<{ count: number }[]>`
			select count(*)::int as count from (${targetQuery(tx, courseId, criteria, at)}) t`;
		const sample = await tx<{ id: string; displayName: string }[]>`
			select u.id, u.display_name as "displayName"
			from (${targetQuery(tx, courseId, criteria, at)}) t join public.users u on u.id = t.user_id
			order by lower(u.display_name), u.id limit ${SAMPLE_SIZE}`;
		return { count, sample };
	});
}

function translateWriteError(error: unknown): never {
	if (isPgError(error, PG.uniqueViolation)) {
		throw new DomainError(409, 'conflict', 'This course already has that learner group.');
	}
	if (isPgError(error, PG.insufficientPrivilege) || isPgError(error, PG.foreignKeyViolation)) {
		throw notFound();
	}
	throw error;
}

async function insertLearnerGroup(
	tx: Tx,
	actor: NonNullable<Actor>,
	courseId: string,
	data: schemas.LearnerGroupCreate,
	idnumber: string | null
): Promise<string> {
	const [course] = await tx<{ organisation_id: string }[]>`
		select organisation_id from public.courses where id = ${courseId}`;
	if (!course) throw notFound();
	const id = crypto.randomUUID();
	// Hidden: a learner never learns they are in "Not started"; staff see it in full.
	await tx`
		insert into public.groups (id, scope, organisation_id, course_id, kind, name, idnumber, description,
		                           visibility, membership_mode, messaging_enabled, created_by)
		values (${id}, 'course', ${course.organisation_id}, ${courseId}, 'learner-group', ${data.name}, ${idnumber},
		        ${data.description}, 'hidden', 'rule', false, ${actor.id})`;
	await tx`
		insert into public.learner_group_criteria (group_id, course_id, criteria, refresh_mode, cadence_minutes, created_by)
		values (${id}, ${courseId}, ${tx.json(data.criteria as never)}, ${data.refreshMode}, ${data.cadenceMinutes},
		        ${actor.id})`;
	return id;
}

/** Creates a static or dynamic learner group from criteria and fills it at once (course staff, learner groups on). */
export async function create(
	actor: NonNullable<Actor>,
	courseId: string,
	input: unknown,
	via: Via = 'app'
): Promise<LearnerGroupDetail> {
	const data = parse(schemas.learnerGroupCreate, input);
	let id: string;
	try {
		id = await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'course.staff', courseId);
				await requireEnabled(tx, courseId);
				await checkReferences(tx, courseId, data.criteria);
				return insertLearnerGroup(tx, actor, courseId, data, null);
			},
			via
		);
	} catch (error) {
		if (error instanceof DomainError) throw error;
		translateWriteError(error);
	}
	await runRefresh(id, 'create', actor.id);
	return get(actor, id);
}

/** The default "Not started" learner group (active learners with no completion), dynamic, hourly; once per course. */
export async function createNotStarted(
	actor: NonNullable<Actor>,
	courseId: string,
	via: Via = 'app'
): Promise<LearnerGroupDetail> {
	const data = parse(schemas.learnerGroupCreate, {
		name: 'Not started',
		description: 'Active learners who have not completed any activity yet.',
		criteria: {
			all: [
				{ type: 'enrolment', role: 'learner', status: 'active' },
				{ type: 'completed', activityId: 'any', negate: true }
			]
		},
		refreshMode: 'dynamic',
		cadenceMinutes: 60
	});
	let id: string;
	try {
		id = await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'course.staff', courseId);
				await requireEnabled(tx, courseId);
				return insertLearnerGroup(tx, actor, courseId, data, NOT_STARTED_IDNUMBER);
			},
			via
		);
	} catch (error) {
		if (error instanceof DomainError) throw error;
		if (isPgError(error, PG.uniqueViolation)) {
			throw new DomainError(
				409,
				'conflict',
				'This course already has a "Not started" learner group.'
			);
		}
		translateWriteError(error);
	}
	await runRefresh(id, 'create', actor.id);
	return get(actor, id);
}

/** Reads a learner group's course and checks the actor is its course's staff; null when not a learner group. */
async function requireLearnerGroup(
	tx: Tx,
	groupId: string
): Promise<{ courseId: string; criteria: Criteria }> {
	if (!isUuid(groupId)) throw notFound();
	const [row] = await tx<{ courseId: string; criteria: Criteria }[]>`
		select k.course_id as "courseId", k.criteria from public.learner_group_criteria k where k.group_id = ${groupId}`;
	if (!row) throw notFound();
	await requireAccess(tx, 'course.staff', row.courseId);
	return row;
}

/** Edits a learner group's name, description, criteria, mode or cadence; changed criteria refresh it at once. */
export async function update(
	actor: NonNullable<Actor>,
	groupId: string,
	input: unknown,
	via: Via = 'app'
): Promise<LearnerGroupDetail> {
	const data = parse(schemas.learnerGroupUpdate, input);
	const criteriaChanged = await withUser(
		actor,
		async (tx) => {
			const current = await requireLearnerGroup(tx, groupId);
			if (data.criteria) await checkReferences(tx, current.courseId, data.criteria, groupId);
			if (data.name !== undefined || data.description !== undefined) {
				await tx`
					update public.groups set
						name = coalesce(${data.name ?? null}, name),
						description = coalesce(${data.description ?? null}, description)
					where id = ${groupId}`;
			}
			await tx`
				update public.learner_group_criteria set
					criteria = ${data.criteria ? tx.json(data.criteria as never) : tx`criteria`},
					refresh_mode = coalesce(${data.refreshMode ?? null}, refresh_mode),
					cadence_minutes = coalesce(${data.cadenceMinutes ?? null}::int, cadence_minutes)
				where group_id = ${groupId}`;
			return (
				data.criteria !== undefined &&
				JSON.stringify(data.criteria) !== JSON.stringify(current.criteria)
			);
		},
		via
	);
	if (criteriaChanged) await runRefresh(groupId, 'manual', actor.id);
	return get(actor, groupId);
}

/** Deletes a learner group (its refresh history goes with it; interventions keep its name). */
export async function remove(actor: Actor, groupId: string, via: Via = 'app'): Promise<void> {
	await withUser(
		actor,
		async (tx) => {
			await requireLearnerGroup(tx, groupId);
			const deleted = await tx`delete from public.groups where id = ${groupId} returning id`;
			if (deleted.length === 0) throw notFound();
		},
		via
	);
}

/** Places a learner group under a course group (its members become effective members there), or back at the top. */
export async function link(
	actor: Actor,
	groupId: string,
	input: unknown,
	via: Via = 'app'
): Promise<LearnerGroup> {
	const { parentId } = parse(schemas.linkGroup, input);
	try {
		await withUser(
			actor,
			async (tx) => {
				const { courseId } = await requireLearnerGroup(tx, groupId);
				if (parentId) {
					const [parent] = await tx<{ course_id: string | null; kind: string }[]>`
						select course_id, kind from public.groups where id = ${parentId}`;
					if (!parent || parent.course_id !== courseId) {
						throw invalid('Link the learner group to a group of its own course.', [
							{ path: 'parentId', message: 'Choose a group of this course.' }
						]);
					}
				}
				const changed =
					await tx`update public.groups set parent_id = ${parentId} where id = ${groupId} returning id`;
				if (changed.length === 0) throw notFound();
			},
			via
		);
	} catch (error) {
		if (error instanceof DomainError) throw error;
		if (isPgError(error, PG.checkViolation)) {
			throw new DomainError(409, 'invalid_move', (error as Error).message);
		}
		translateWriteError(error);
	}
	const { members: _members, refreshes: _refreshes, ...group } = await get(actor, groupId);
	return group;
}

/** The learner groups of a course with their criteria, size and last refresh (course staff). */
export function list(actor: Actor, courseId: string): Promise<LearnerGroup[]> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.staff', courseId);
		return tx<LearnerGroup[]>`
			select ${groupColumns(tx)}
			from public.groups g join public.learner_group_criteria k on k.group_id = g.id
			where g.course_id = ${courseId}
			order by g.name collate public.natural, g.id`;
	});
}

/** One learner group with its members and its latest refreshes (course staff). */
export function get(actor: Actor, groupId: string): Promise<LearnerGroupDetail> {
	return readAs(actor, async (tx) => {
		await requireLearnerGroup(tx, groupId);
		const [group] = await tx<LearnerGroup[]>`
			select ${groupColumns(tx)}
			from public.groups g join public.learner_group_criteria k on k.group_id = g.id
			where g.id = ${groupId}`;
		if (!group) throw notFound();
		const members = await tx<Person[]>`
			select u.id, u.display_name as "displayName", ve.email
			from public.current_memberships m join public.users u on u.id = m.user_id
			left join private.visible_emails() ve on ve.user_id = u.id
			where m.group_id = ${groupId} and m.role = 'member'
			order by lower(u.display_name), u.id`;
		return { ...group, members, refreshes: await refreshRows(tx, groupId, 20) };
	});
}

async function refreshRows(tx: Tx, groupId: string, limit: number): Promise<Refresh[]> {
	return tx<Refresh[]>`
		select r.id::int as id, r.trigger, r.requested_by as "requestedBy",
		       (select u.display_name from public.users u where u.id = r.requested_by) as "requestedByName",
		       r.added_count as "addedCount", r.removed_count as "removedCount", r.member_count as "memberCount",
		       r.refreshed_at as "refreshedAt",
		       coalesce((select json_agg(json_build_object('id', u.id, 'displayName', u.display_name) order by lower(u.display_name))
		                 from (select unnest(r.added[1:100]) as id) a join public.users u on u.id = a.id), '[]') as added,
		       coalesce((select json_agg(json_build_object('id', u.id, 'displayName', u.display_name) order by lower(u.display_name))
		                 from (select unnest(r.removed[1:100]) as id) a join public.users u on u.id = a.id), '[]') as removed
		from public.learner_group_refreshes r
		where r.group_id = ${groupId}
		order by r.refreshed_at desc, r.id desc
		limit ${limit}`;
}

/** The refresh history of a learner group: who was added and removed when, and why (course staff). */
export function refreshes(actor: Actor, groupId: string, limit = 50): Promise<Refresh[]> {
	return readAs(actor, async (tx) => {
		await requireLearnerGroup(tx, groupId);
		return refreshRows(tx, groupId, Math.min(Math.max(limit, 1), 200));
	});
}

/** Refreshes a learner group now, by hand (course staff); static groups change only this way. */
export async function refresh(actor: NonNullable<Actor>, groupId: string): Promise<RefreshResult> {
	await readAs(actor, (tx) => requireLearnerGroup(tx, groupId));
	return runRefresh(groupId, 'manual', actor.id);
}

/**
 * Brings a learner group's members in line with its criteria in one set-based diff (insert the
 * missing, delete the gone; leaders untouched), as the system, and records who was added and
 * removed. Scheduled and event refreshes that change nothing leave no history row, and skip the
 * diff altogether when nothing the criteria read was written since the last evaluation and no
 * one can have crossed an "inactive for N days" line since (private.learner_fact_changes).
 */
export async function runRefresh(
	groupId: string,
	trigger: RefreshTrigger,
	requestedBy: string | null = null,
	asOf?: Date
): Promise<RefreshResult> {
	return asService(async (tx) => {
		// One refresh of a group at a time: concurrent ones queue here and see each other's result.
		const [row] = await tx<
			{
				courseId: string;
				criteria: Criteria;
				factsSnapshot: string | null;
				stableUntil: Date | null;
				lastRefreshedAt: Date | null;
			}[]
		>`
			select course_id as "courseId", criteria, facts_snapshot::text as "factsSnapshot", stable_until as "stableUntil",
			       last_refreshed_at as "lastRefreshedAt"
			from public.learner_group_criteria
			where group_id = ${groupId} for update`;
		if (!row) throw notFound();
		// Taken once the row is ours and before anything is read: a change by a transaction this
		// snapshot cannot see may be unseen. The time is the database's, taken after the
		// snapshot, so every change the snapshot holds happened before the time evaluated at.
		const [{ snapshot, now }] = await tx<{ snapshot: string; now: Date }[]>`
			select private.learner_facts_snapshot()::text as snapshot, clock_timestamp() as now`;
		const at = asOf ?? now;
		const always = trigger === 'manual' || trigger === 'create';
		const trusted =
			!always &&
			row.factsSnapshot !== null &&
			row.stableUntil !== null &&
			row.stableUntil > at &&
			(row.lastRefreshedAt === null || row.lastRefreshedAt <= at);
		if (trusted) {
			const [{ changed }] = await tx<{ changed: boolean }[]>`
				select private.learner_group_facts_changed(${groupId}, ${row.factsSnapshot}::pg_snapshot) as changed`;
			if (!changed) {
				await tx`update public.learner_group_criteria set last_refreshed_at = ${at} where group_id = ${groupId}`;
				const [{ members }] = await tx<{ members: number }[]>`
					select count(*)::int as members from public.group_members
					where group_id = ${groupId} and role = 'member'`;
				return { added: 0, removed: 0, members, refreshId: null, skipped: true };
			}
		}
		const criteria = parse(schemas.criteria, row.criteria);
		const [result] = await tx<Omit<RefreshResult, 'skipped'>[]>`
			with target as materialized (${targetQuery(tx, row.courseId, criteria, at)}),
			removed as (
				delete from public.group_members m
				where m.group_id = ${groupId} and m.role = 'member'
				  and not exists (select 1 from target t where t.user_id = m.user_id)
				returning m.user_id
			),
			added as (
				insert into public.group_members (group_id, user_id, role, source, added_by)
				select ${groupId}, t.user_id, 'member', 'rule', ${requestedBy}::uuid from target t
				where not exists (select 1 from public.group_members m where m.group_id = ${groupId} and m.user_id = t.user_id)
				on conflict do nothing
				returning user_id
			),
			recorded as (
				insert into public.learner_group_refreshes
					(group_id, course_id, trigger, requested_by, added, removed, added_count, removed_count, member_count)
				select ${groupId}, ${row.courseId}, ${trigger}, ${requestedBy}::uuid,
				       coalesce((select array_agg(user_id) from added), '{}'),
				       coalesce((select array_agg(user_id) from removed), '{}'),
				       (select count(*) from added), (select count(*) from removed),
				       (select count(*) from public.group_members m where m.group_id = ${groupId} and m.role = 'member')
				         + (select count(*) from added) - (select count(*) from removed)
				where ${always} or exists (select 1 from added) or exists (select 1 from removed)
				returning id
			)
			select (select count(*) from added)::int as added, (select count(*) from removed)::int as removed,
			       (select count(*) from target)::int as members, (select id::int from recorded) as "refreshId"`;
		// Until when this result holds by the clock alone (and never longer than TRUST_MS).
		const [{ next }] = await tx<{ next: Date | null }[]>`
			${clockChangeQuery(tx, row.courseId, criteria, at)}`;
		const limit = new Date(at.getTime() + TRUST_MS);
		const stableUntil = next && next < limit ? next : limit;
		await tx`
			update public.learner_group_criteria
			set last_refreshed_at = ${at}, facts_snapshot = ${snapshot}::pg_snapshot, stable_until = ${stableUntil}
			where group_id = ${groupId}`;
		return { ...result, skipped: false };
	});
}

/** Dynamic learner groups whose cadence has come round, oldest first (for the scheduler). */
export function dueForRefresh(now = new Date(), limit = 100): Promise<string[]> {
	return asService(async (tx) => {
		const rows = await tx<{ group_id: string }[]>`
			select group_id from public.learner_group_criteria
			where refresh_mode = 'dynamic'
			  and (last_refreshed_at is null
			       or last_refreshed_at <= ${now}::timestamptz - make_interval(mins => cadence_minutes))
			order by last_refreshed_at nulls first
			limit ${limit}`;
		return rows.map((row) => row.group_id);
	});
}

/**
 * Every dynamic learner group: refreshed after the app's LISTEN connection was down, when the
 * notifications naming them were lost (a refresh whose facts did not change is cheap).
 */
export function dynamicGroupIds(): Promise<string[]> {
	return asService(async (tx) => {
		const rows = await tx<{ groupId: string }[]>`
			select group_id as "groupId" from public.learner_group_criteria where refresh_mode = 'dynamic'`;
		return rows.map((row) => row.groupId);
	});
}
