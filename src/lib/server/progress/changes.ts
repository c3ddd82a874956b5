import { asService } from '$lib/server/db';
import { listen } from '$lib/server/db/listen';
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

/**
 * Who to tell that a dashboard changed: the leaders who follow these learners in these courses
 * and the courses' staff, by the database's rule (private.progress_watcher_ids).
 */
async function watchers(courseIds: string[], userIds: string[]): Promise<string[]> {
	return asService(async (tx) => {
		const rows = await tx<{ id: string }[]>`
			select id::text from private.progress_watcher_ids(${courseIds}::uuid[], ${userIds}::uuid[]) as id`;
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
	const queue = (groupIds: Iterable<string>) => {
		for (const groupId of groupIds) {
			if (!isUuid(groupId)) continue;
			scheduler(groupId).catch((error) =>
				console.error('Could not queue a learner group refresh', error)
			);
		}
	};
	return listen(
		'tessera_learner_groups',
		(payload) => queue(payload.split(',')),
		// Notifications sent while the connection was down are lost: look at every dynamic group.
		() => {
			learnerGroups
				.dynamicGroupIds()
				.then(queue)
				.catch((error) => console.error('Could not catch up on learner group facts', error));
		}
	);
}
