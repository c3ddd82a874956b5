// Learner-group freshness: the database names the dynamic groups whose facts changed (NOTIFY
// tessera_learner_groups, from the statement triggers in supabase/schemas/11_learner_groups.sql);
// this process queues their refresh, debounced, through the job queue when it has one.
import { listen } from '$lib/server/db/listen';
import { isUuid } from '$lib/server/validate';
import { dynamicGroupIds, runRefresh } from './index';
import { enqueueEventRefresh } from './jobs';

/** Schedules the refresh of one learner group soon, once however many events ask. */
export type RefreshScheduler = (groupId: string) => Promise<void>;

const DEBOUNCE_MS = Number(process.env.LEARNER_GROUP_EVENT_DEBOUNCE_MS ?? 2000);
const pending = new Map<string, ReturnType<typeof setTimeout>>();

/** In-process debounce: the first event starts a timer, later ones within it ride along. */
const inProcess: RefreshScheduler = async (groupId) => {
	if (pending.has(groupId)) return;
	const timer = setTimeout(() => {
		pending.delete(groupId);
		runRefresh(groupId, 'event').catch((error) =>
			console.error('Learner group refresh failed', error)
		);
	}, DEBOUNCE_MS);
	timer.unref?.();
	pending.set(groupId, timer);
};

/** Through the job queue when this process can reach it; otherwise the in-process debounce. */
const viaQueue: RefreshScheduler = (groupId) => enqueueEventRefresh(groupId);

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
			dynamicGroupIds()
				.then(queue)
				.catch((error) => console.error('Could not catch up on learner group facts', error));
		}
	);
}
