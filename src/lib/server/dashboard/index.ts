import * as v from 'valibot';
import { requireAccess } from '$lib/server/access';
import { readAs, type Actor, type Tx } from '$lib/server/db';
import { notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import { uuid } from '$lib/schemas/common';

export type DashboardRow = {
	userId: string;
	displayName: string;
	email: string | null;
	courseId: string;
	courseCode: string;
	courseName: string;
	status: 'active' | 'suspended';
	enrolledAt: Date;
	visible: number;
	done: number;
	/** 0–100, one decimal. */
	percent: number;
	overdue: number;
	lastActivityAt: Date | null;
	inactiveDays: number;
	/** No course activity (views, posts, completions) for inactiveDays or more. */
	inactive: boolean;
	/** Below the course median. */
	behind: boolean;
	atRisk: boolean;
};

export type DashboardCourse = {
	id: string;
	code: string;
	name: string;
	/** The course median progress, or the median of the rows in view where the course is too small to share one. */
	median: number | null;
	learners: number;
};

export type Dashboard = {
	group: { id: string; name: string; scope: string; courseId: string | null };
	courses: DashboardCourse[];
	rows: DashboardRow[];
	total: number;
};

export const sorts = ['name', 'progress', 'lastActivity', 'overdue', 'course'] as const;
export const filters = ['all', 'atRisk', 'inactive', 'behind', 'overdue'] as const;

export const dashboardQuery = v.object({
	courseId: v.optional(v.nullable(uuid), null),
	sort: v.optional(v.picklist(sorts, 'Unknown sort.'), 'name'),
	direction: v.optional(v.picklist(['asc', 'desc'], 'Sort asc or desc.'), 'asc'),
	filter: v.optional(v.picklist(filters, 'Unknown filter.'), 'all'),
	search: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200)), '')
});
export type DashboardOptions = v.InferInput<typeof dashboardQuery>;

/**
 * The rows of a group's dashboard: each learner-role enrolment of the group's effective members
 * (sub-groups included), limited to the group's course for a course group. One statement, run
 * under the viewer's RLS: what the viewer may not see is not there to count. Exported for the
 * benchmark, which runs the same SQL with RLS bypassed.
 */
export function rowsSql(tx: Tx, groupId: string, courseId: string | null) {
	return tx`
		with members as materialized (
			select distinct m.user_id from public.effective_members m
			where m.group_id = ${groupId} and m.role = 'member'
		),
		enrolled as materialized (
			select e.course_id, e.user_id, e.status, e.enrolled_at from public.enrolments e
			where e.user_id in (select user_id from members) and e.role = 'learner'
			  and (e.course_id = (select g.course_id from public.groups g where g.id = ${groupId})
			       or (select g.course_id from public.groups g where g.id = ${groupId}) is null)
			  and (${courseId}::uuid is null or e.course_id = ${courseId}::uuid)
		),
		course_set as materialized (select distinct course_id from enrolled),
		acts as materialized (
			select a.id, a.course_id, a.due_at,
			       exists (select 1 from private.activity_allowed_groups() r where r.activity_id = a.id) as restricted
			from public.activities a where a.course_id in (select course_id from course_set)
		),
		open_restricted as materialized (
			select o.activity_id, o.user_id from private.open_restricted_activities(
				array(select course_id from course_set), array(select user_id from members)) o
		),
		visible as (
			select e.course_id, e.user_id, a.id as activity_id, a.due_at
			from enrolled e join acts a on a.course_id = e.course_id and not a.restricted
			union all
			select e.course_id, e.user_id, a.id, a.due_at
			from open_restricted o join acts a on a.id = o.activity_id
			join enrolled e on e.course_id = a.course_id and e.user_id = o.user_id
		),
		per as (
			select vis.course_id, vis.user_id, count(*)::int as visible, count(c.completed_at)::int as done,
			       (count(*) filter (where vis.due_at < now() and c.completed_at is null))::int as overdue
			from visible vis
			left join public.completions c on c.activity_id = vis.activity_id and c.user_id = vis.user_id
			group by vis.course_id, vis.user_id
		),
		last_seen as (
			select x.course_id, x.user_id, max(x.at) as at from (
				select le.course_id, le.user_id, le.occurred_at as at from public.learner_events le
				where le.course_id in (select course_id from course_set) and le.user_id in (select user_id from members)
				union all
				select c.course_id, c.user_id, c.completed_at from public.completions c
				where c.course_id in (select course_id from course_set) and c.user_id in (select user_id from members)
				  and c.completed_at is not null
			) x group by x.course_id, x.user_id
		)
		select e.user_id as "userId", u.display_name as "displayName", ve.email,
		       e.course_id as "courseId", co.code as "courseCode", co.name as "courseName",
		       e.status, e.enrolled_at as "enrolledAt",
		       coalesce(p.visible, 0) as visible, coalesce(p.done, 0) as done, coalesce(p.overdue, 0) as overdue,
		       -- Any activity counts: the course's events and completions, and the person's last
		       -- sign-in, page, view or post anywhere (person_activity).
		       nullif(greatest(coalesce(ls.at, '-infinity'), coalesce(pa.last_seen_at, '-infinity')), '-infinity')
		         as "lastActivityAt",
		       coalesce(s.inactive_days, 7) as "inactiveDays"
		from enrolled e
		join public.users u on u.id = e.user_id
		left join private.visible_emails() ve on ve.user_id = u.id
		left join public.person_activity pa on pa.user_id = u.id
		join public.courses co on co.id = e.course_id
		left join per p on p.course_id = e.course_id and p.user_id = e.user_id
		left join last_seen ls on ls.course_id = e.course_id and ls.user_id = e.user_id
		left join public.course_progress_settings s on s.course_id = e.course_id`;
}

type RawRow = Omit<DashboardRow, 'percent' | 'inactive' | 'behind' | 'atRisk'>;

const DAY_MS = 24 * 60 * 60 * 1000;

function percentOf(done: number, visible: number) {
	return visible === 0 ? 0 : Math.round((done * 1000) / visible) / 10;
}

function median(values: number[]): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	const value = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
	return Math.round(value * 10) / 10;
}

async function load(tx: Tx, groupId: string, courseId: string | null) {
	await requireAccess(tx, 'group.progress', groupId);
	const [group] = await tx<Dashboard['group'][]>`
		select id, name, scope, course_id as "courseId" from public.groups where id = ${groupId}`;
	if (!group) throw notFound();
	const raw = await tx<RawRow[]>`${rowsSql(tx, groupId, courseId)}`;
	const courseIds = [...new Set(raw.map((row) => row.courseId))];
	const medians = await tx<{ course_id: string; median: string }[]>`
		select course_id, median from private.course_median_progress(${courseIds}::uuid[])`;
	const now = Date.now();
	const withPercent = raw.map((row) => ({ ...row, percent: percentOf(row.done, row.visible) }));
	const courses: DashboardCourse[] = courseIds.map((id) => {
		const inCourse = withPercent.filter((row) => row.courseId === id);
		const shared = medians.find((m) => m.course_id === id);
		return {
			id,
			code: inCourse[0].courseCode,
			name: inCourse[0].courseName,
			median: shared
				? Number(shared.median)
				: median(inCourse.filter((r) => r.status === 'active').map((r) => r.percent)),
			learners: inCourse.length
		};
	});
	const rows: DashboardRow[] = withPercent.map((row) => {
		const course = courses.find((c) => c.id === row.courseId)!;
		const last = (row.lastActivityAt ?? row.enrolledAt).getTime();
		const inactive = row.status === 'active' && last <= now - row.inactiveDays * DAY_MS;
		const behind = row.status === 'active' && course.median !== null && row.percent < course.median;
		return { ...row, inactive, behind, atRisk: inactive || behind };
	});
	courses.sort((a, b) => a.code.localeCompare(b.code));
	return { group, courses, rows };
}

function arrange(rows: DashboardRow[], options: v.InferOutput<typeof dashboardQuery>) {
	const search = options.search.toLowerCase();
	const kept = rows.filter(
		(row) =>
			(options.filter === 'all' ||
				(options.filter === 'overdue' ? row.overdue > 0 : row[options.filter])) &&
			(!search ||
				row.displayName.toLowerCase().includes(search) ||
				(row.email ?? '').includes(search) ||
				row.courseCode.toLowerCase().includes(search))
	);
	const byName = (a: DashboardRow, b: DashboardRow) =>
		a.displayName.localeCompare(b.displayName) ||
		a.userId.localeCompare(b.userId) ||
		a.courseCode.localeCompare(b.courseCode);
	const compare: Record<(typeof sorts)[number], (a: DashboardRow, b: DashboardRow) => number> = {
		name: byName,
		course: (a, b) => a.courseCode.localeCompare(b.courseCode) || byName(a, b),
		progress: (a, b) => a.percent - b.percent || byName(a, b),
		overdue: (a, b) => a.overdue - b.overdue || byName(a, b),
		lastActivity: (a, b) =>
			(a.lastActivityAt?.getTime() ?? 0) - (b.lastActivityAt?.getTime() ?? 0) || byName(a, b)
	};
	const sign = options.direction === 'desc' ? -1 : 1;
	return kept.sort((a, b) => sign * compare[options.sort](a, b));
}

/** A group's dashboard: its learners × courses with progress, last activity, overdue items and at-risk flags; sorted and filtered. */
export async function dashboard(
	actor: Actor,
	groupId: string,
	options: unknown = {}
): Promise<Dashboard> {
	const query = parse(dashboardQuery, options);
	if (!isUuid(groupId)) return Promise.reject(notFound());
	return readAs(actor, async (tx) => {
		const { group, courses, rows } = await load(tx, groupId, query.courseId ?? null);
		return { group, courses, rows: arrange(rows, query), total: rows.length };
	});
}

export type DistributionBucket = { from: number; to: number; count: number };

/** How many of the group's learner enrolments fall in each 10-point progress band (0–9 … 90–100). */
export async function distribution(
	actor: Actor,
	groupId: string,
	options: { courseId?: string | null } = {}
): Promise<DistributionBucket[]> {
	const query = parse(dashboardQuery, options);
	if (!isUuid(groupId)) return Promise.reject(notFound());
	return readAs(actor, async (tx) => {
		const { rows } = await load(tx, groupId, query.courseId ?? null);
		return bucketsOf(rows.map((row) => row.percent));
	});
}

/**
 * The dashboard page in one read: the rows are loaded once and give the table, the distribution
 * and the progress over time (the same answers as dashboard, distribution and overTime).
 */
export async function page(
	actor: Actor,
	groupId: string,
	options: unknown = {},
	days = 30
): Promise<{ board: Dashboard; buckets: DistributionBucket[]; overTime: OverTimePoint[] }> {
	const query = parse(dashboardQuery, options);
	if (!isUuid(groupId)) return Promise.reject(notFound());
	return readAs(actor, async (tx) => {
		const { group, courses, rows } = await load(tx, groupId, query.courseId ?? null);
		return {
			board: { group, courses, rows: arrange([...rows], query), total: rows.length },
			buckets: bucketsOf(rows.map((row) => row.percent)),
			overTime: await overTimeOf(tx, rows, days)
		};
	});
}

/** Ten 10-point bands of progress percentages; 100 belongs to the last band. */
export function bucketsOf(percents: number[]): DistributionBucket[] {
	const buckets = Array.from({ length: 10 }, (_, i) => ({
		from: i * 10,
		to: i === 9 ? 100 : i * 10 + 9,
		count: 0
	}));
	for (const percent of percents) buckets[Math.min(9, Math.floor(percent / 10))].count += 1;
	return buckets;
}

export type OverTimePoint = { date: string; completions: number; percent: number };

/**
 * Progress over the last `days` days: completions per day (of activities the learners can see)
 * and the group's pooled progress at the end of each day (completed / visible, over all rows).
 */
export async function overTime(
	actor: Actor,
	groupId: string,
	options: { courseId?: string | null; days?: number } = {}
): Promise<OverTimePoint[]> {
	const days = Math.min(Math.max(Math.trunc(Number(options.days ?? 30)) || 30, 1), 365);
	const query = parse(dashboardQuery, { courseId: options.courseId ?? null });
	if (!isUuid(groupId)) return Promise.reject(notFound());
	return readAs(actor, async (tx) => {
		const { rows } = await load(tx, groupId, query.courseId ?? null);
		return overTimeOf(tx, rows, days);
	});
}

/** Completions per day over the last `days` days, and pooled progress at each day's end, for these rows. */
async function overTimeOf(tx: Tx, rows: DashboardRow[], days: number): Promise<OverTimePoint[]> {
	const keys = rows.map((row) => `${row.courseId}:${row.userId}`);
	const today = new Date();
	today.setUTCHours(0, 0, 0, 0);
	const start = new Date(today.getTime() - (days - 1) * DAY_MS);
	const completions = await tx<{ day: string; count: number; before: boolean }[]>`
		select to_char(date_trunc('day', c.completed_at at time zone 'UTC'), 'YYYY-MM-DD') as day,
		       count(*)::int as count, c.completed_at < ${start} as before
		from public.completions c
		where (c.course_id::text || ':' || c.user_id::text) = any(${keys})
		  and c.completed_at is not null
		  and (c.activity_id in (select a.id from public.activities a
		                         where not exists (select 1 from private.activity_allowed_groups() r where r.activity_id = a.id))
		       or (c.activity_id, c.user_id) in (
		         select o.activity_id, o.user_id from private.open_restricted_activities(
		           ${[...new Set(rows.map((r) => r.courseId))]}::uuid[], ${[...new Set(rows.map((r) => r.userId))]}::uuid[]) o))
		group by 1, 3`;
	const visible = rows.reduce((sum, row) => sum + row.visible, 0);
	let done = completions.filter((c) => c.before).reduce((sum, c) => sum + c.count, 0);
	const perDay = new Map(completions.filter((c) => !c.before).map((c) => [c.day, c.count]));
	const points: OverTimePoint[] = [];
	for (let i = 0; i < days; i += 1) {
		const date = new Date(start.getTime() + i * DAY_MS).toISOString().slice(0, 10);
		const count = perDay.get(date) ?? 0;
		done += count;
		points.push({ date, completions: count, percent: percentOf(done, visible) });
	}
	return points;
}

export type LearnerActivity = {
	id: string;
	title: string;
	type: string;
	dueAt: Date | null;
	completedAt: Date | null;
	score: number | null;
	overdue: boolean;
};

export type LearnerDetail = {
	user: { id: string; displayName: string; email: string | null };
	courses: (DashboardRow & { activities: LearnerActivity[] })[];
	recentEvents: { kind: string; courseId: string | null; occurredAt: Date }[];
};

/** Drill-down: one learner of the group, course by course, activity by activity. */
export async function learner(
	actor: Actor,
	groupId: string,
	userId: string
): Promise<LearnerDetail> {
	if (!isUuid(groupId) || !isUuid(userId)) return Promise.reject(notFound());
	return readAs(actor, async (tx) => {
		const { rows } = await load(tx, groupId, null);
		const mine = rows.filter((row) => row.userId === userId);
		if (mine.length === 0) throw notFound();
		const courseIds = mine.map((row) => row.courseId);
		const activities = await tx<(LearnerActivity & { courseId: string })[]>`
			select a.id, a.course_id as "courseId", a.title, a.type, a.due_at as "dueAt",
			       c.completed_at as "completedAt", c.score::float8 as score,
			       (a.due_at < now() and c.completed_at is null) as overdue
			from public.activities a
			left join public.completions c on c.activity_id = a.id and c.user_id = ${userId}
			where a.course_id = any(${courseIds}::uuid[])
			  and (not exists (select 1 from private.activity_allowed_groups() r where r.activity_id = a.id)
			       or a.id in (select o.activity_id from private.open_restricted_activities(${courseIds}::uuid[], array[${userId}::uuid]) o))
			order by a.position, lower(a.title), a.id`;
		const recentEvents = await tx<LearnerDetail['recentEvents']>`
			select kind, course_id as "courseId", occurred_at as "occurredAt" from public.learner_events
			where user_id = ${userId} and (course_id is null or course_id = any(${courseIds}::uuid[]))
			order by occurred_at desc limit 20`;
		return {
			user: { id: userId, displayName: mine[0].displayName, email: mine[0].email },
			courses: mine.map((row) => ({
				...row,
				activities: activities
					.filter((a) => a.courseId === row.courseId)
					.map(({ courseId: _courseId, overdue, ...rest }) => ({
						...rest,
						overdue: Boolean(overdue)
					}))
			})),
			recentEvents
		};
	});
}

const csvCell = (value: unknown) => {
	const text =
		value === null || value === undefined
			? ''
			: value instanceof Date
				? value.toISOString()
				: String(value);
	// A leading =, +, - or @ would be read as a formula by spreadsheets.
	const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
	return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The dashboard (same filter and sort) as CSV, one row per learner and course. */
export async function csv(actor: Actor, groupId: string, options: unknown = {}): Promise<string> {
	const { rows } = await dashboard(actor, groupId, options);
	const header = [
		'name',
		'email',
		'course',
		'status',
		'progress_percent',
		'completed',
		'activities',
		'overdue',
		'last_activity',
		'inactive',
		'behind_median',
		'at_risk'
	];
	const lines = rows.map((row) =>
		[
			row.displayName,
			row.email,
			row.courseCode,
			row.status,
			row.percent,
			row.done,
			row.visible,
			row.overdue,
			row.lastActivityAt,
			row.inactive,
			row.behind,
			row.atRisk
		]
			.map(csvCell)
			.join(',')
	);
	return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
