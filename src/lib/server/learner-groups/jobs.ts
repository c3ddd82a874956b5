import { asService } from '$lib/server/db';
import { defineQueue, schedule, type JobHandler } from '$lib/server/jobs/boss';
import { DomainError } from '$lib/server/errors';
import { dueForRefresh, runRefresh } from './index';

type RefreshJob = { groupId: string; trigger: 'schedule' | 'event' };

/** One waiting and one running refresh per learner group (stately + singletonKey = debounce). */
export const refreshQueue = defineQueue<RefreshJob>({
	name: 'learner-group-refresh',
	policy: 'stately',
	retryLimit: 3
});

/** A minutely tick that sends the refreshes of dynamic groups whose cadence has come round. */
export const cadenceQueue = defineQueue<object>({
	name: 'learner-group-cadence',
	policy: 'singleton'
});

/** Seconds an event-triggered refresh waits, so a burst of completions causes one refresh. */
const debounceSeconds = () => Number(process.env.LEARNER_GROUP_EVENT_DEBOUNCE_SECONDS ?? 5);

/** Runs one queued refresh; a group deleted since it was queued is nothing to do. */
export const handleRefresh: JobHandler<RefreshJob> = async ({ groupId, trigger }) => {
	try {
		await runRefresh(groupId, trigger);
	} catch (error) {
		if (error instanceof DomainError && error.status === 404) return;
		throw error;
	}
};

/** Queues a refresh for every dynamic learner group that is due, and forgets day-old fact changes. */
export const handleCadence: JobHandler<object> = async () => {
	await asService((tx) => tx`select private.prune_learner_fact_changes()`);
	for (const groupId of await dueForRefresh(new Date(), 1000)) {
		await refreshQueue.send({ groupId, trigger: 'schedule' }, { singletonKey: groupId });
	}
};

/** Event-triggered refresh through the queue: debounced per group with a singleton key. */
export async function enqueueEventRefresh(groupId: string): Promise<void> {
	await refreshQueue.send(
		{ groupId, trigger: 'event' },
		{ singletonKey: groupId, startAfter: debounceSeconds() }
	);
}

/** Declares the minutely cadence tick (idempotent). */
export function scheduleCadence() {
	return schedule(cadenceQueue, '* * * * *', {});
}
