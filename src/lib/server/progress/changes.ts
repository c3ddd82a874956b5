import { asService, pool } from '$lib/server/db';
import { isUuid } from '$lib/server/validate';
import { emitToUsers } from '$lib/server/realtime/notify';
import * as learnerGroups from '$lib/server/learner-groups';

/** Schedules the refresh of one learner group soon, once however many events ask. */
export type RefreshScheduler = (groupId: string) => Promise<void>;

const DEBOUNCE_MS = Number(process.env.LEARNER_GROUP_EVENT_DEBOUNCE_MS ?? 2000);
const pending = new Map<string, ReturnType<typeof setTimeout>>();

/** In-process debounce: the first event starts a timer, later ones within it ride along. */
const inProcess: RefreshScheduler = async (groupId) => {
	if (pending.has(groupId)) return;
	const timer = setTimeout(() => {
		pending.delete(groupId);
		learnerGroups
			.runRefresh(groupId, 'event')
			.catch((error) => console.error('Learner group refresh failed', error));
	}, DEBOUNCE_MS);
	timer.unref?.();
	pending.set(groupId, timer);
};

/** Through the job queue when this process can reach it; otherwise the in-process debounce. */
const viaQueue: RefreshScheduler = async (groupId) => {
	const { enqueueEventRefresh } = await import('$lib/server/learner-groups/jobs');
	await enqueueEventRefresh(groupId);
};

const queueAvailable = () =>
	process.env.TESSERA_JOBS !== 'off' &&
	Boolean(process.env.TESSERA_JOBS_DATABASE_URL ?? process.env.DATABASE_URL);

let override: RefreshScheduler | null = null;
const scheduler: RefreshScheduler = (groupId) =>
	(override ?? (queueAvailable() ? viaQueue : inProcess))(groupId);

/** Replaces how event-triggered refreshes are scheduled (tests); null restores the default. */
export function setRefreshScheduler(next: RefreshScheduler | null) {
	override = next;
}

/** Leaders who follow these learners and staff of these courses: who to tell that a dashboard changed. */
async function watchers(courseIds: string[], userIds: string[]): Promise<string[]> {
	return asService(async (tx) => {
		const rows = await tx<{ id: string }[]>`
			select distinct l.user_id as id
			from public.group_members m
			join public.group_closure c on c.descendant_id = m.group_id
			join public.group_members l on l.group_id = c.ancestor_id and l.role = 'leader'
			join public.groups g on g.id = c.ancestor_id and g.leaders_see_progress
			where m.user_id = any(${userIds}::uuid[]) and m.role = 'member'
			  and m.valid_from <= now() and m.valid_until > now()
			  and l.valid_from <= now() and l.valid_until > now()
			union
			select e.user_id from public.enrolments e
			where e.course_id = any(${courseIds}::uuid[]) and e.role in ('instructor', 'assistant') and e.status = 'active'`;
		return rows.map((row) => row.id);
	});
}

/**
 * After a commit that changed completions: tells the dashboards watching these learners to
 * reload. (Learner groups hear of it from the database: see listenForFactChanges.) Never
 * throws: the facts are committed whatever happens here.
 */
export async function progressChanged(courseIds: string[], userIds: string[] = []): Promise<void> {
	const courses = [...new Set(courseIds)];
	if (courses.length === 0) return;
	try {
		emitToUsers(await watchers(courses, [...new Set(userIds)]), 'progress:changed', {
			courseIds: courses
		});
	} catch (error) {
		console.error('Progress change follow-up failed', error);
	}
}

/**
 * Queues the refresh of the dynamic learner groups the database names on
 * `tessera_learner_groups`: every write to a fact their criteria read, by any path (completions,
 * learner events, enrolments, memberships, cohort sync, the membership sweep, activities,
 * restrictions), see supabase/schemas/11_learner_groups.sql. Returns how
 * to stop listening.
 */
export async function listenForFactChanges(): Promise<() => Promise<void>> {
	const listener = await pool().listen('tessera_learner_groups', (payload) => {
		for (const groupId of payload.split(',')) {
			if (!isUuid(groupId)) continue;
			scheduler(groupId).catch((error) =>
				console.error('Could not queue a learner group refresh', error)
			);
		}
	});
	return listener.unlisten;
}
