import * as announcements from '$lib/server/announcements';
import * as passwordReset from '$lib/server/auth/password-reset';
import * as courseGroups from '$lib/server/course-groups';
import * as learnerGroupJobs from '$lib/server/learner-groups/jobs';
import * as notifications from '$lib/server/notifications';
import * as resources from '$lib/server/resources';
import * as conversationFiles from '$lib/server/direct-messages/files';
import { schedule, type JobHandler, type QueueDefinition } from '$lib/server/jobs';

/**
 * The queues this app works, each with its handler: add one entry per queue. Handlers live in
 * their domain module, which declares the queue with `defineQueue` and sends to it.
 */
export type WorkerEntry = {
	queue: QueueDefinition;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	handler: JobHandler<any>;
	options?: { pollingIntervalSeconds?: number };
	/** Cron schedules to (re)declare on start, e.g. () => schedule(queue, '* * * * *', {}). */
	schedules?: (() => Promise<void>)[];
};

export const workers: WorkerEntry[] = [
	// Password reset links (issue 13): the request only queues; the job looks the email up.
	{ queue: passwordReset.resetEmailQueue, handler: passwordReset.sendResetEmail },
	{ queue: announcements.publishQueue, handler: announcements.publish },
	{
		queue: announcements.emailQueue,
		handler: async (data) => {
			await announcements.emailAudience(data);
		}
	},
	{
		queue: announcements.sweepQueue,
		handler: async () => {
			await announcements.publishOverdue();
		},
		schedules: [() => schedule(announcements.sweepQueue, '* * * * *', {})]
	},
	{
		queue: resources.blobCleanupQueue,
		handler: async () => {
			// Files uploaded to conversations and never sent go first; their bytes are queued.
			await conversationFiles.removeUnsent();
			await resources.removeQueuedBlobs();
		},
		schedules: [() => schedule(resources.blobCleanupQueue, '* * * * *', {})]
	},
	// Notifications (issue 14): emails at once, the minutely sweep of what is still due, the digest.
	{
		queue: notifications.emailQueue,
		handler: async (data: { ids?: string[] }) => {
			await notifications.sendDue(data.ids);
		}
	},
	{
		queue: notifications.emailSweepQueue,
		handler: async () => {
			await notifications.sendDue();
		},
		schedules: [() => schedule(notifications.emailSweepQueue, '* * * * *', {})]
	},
	{
		queue: notifications.digestQueue,
		handler: async () => {
			await notifications.sendDigests();
		},
		schedules: [
			() => schedule(notifications.digestQueue, process.env.DIGEST_CRON ?? '0 7 * * *', {})
		]
	},
	// Group sets: "Assign unassigned" on a large grouping, in batches (issue 13).
	{ queue: courseGroups.assignQueue, handler: courseGroups.handleAssignRun },
	// Group sets deleted more than 30 days ago leave the bin for good, daily (issue 13).
	{
		queue: courseGroups.binPurgeQueue,
		handler: async () => {
			await courseGroups.purgeExpiredBins();
		},
		schedules: [
			() => schedule(courseGroups.binPurgeQueue, process.env.BIN_PURGE_CRON ?? '30 3 * * *', {})
		]
	},
	// Learner groups: debounced event refreshes and the minutely cadence tick (issue 6).
	{ queue: learnerGroupJobs.refreshQueue, handler: learnerGroupJobs.handleRefresh },
	{
		queue: learnerGroupJobs.cadenceQueue,
		handler: learnerGroupJobs.handleCadence,
		schedules: [learnerGroupJobs.scheduleCadence]
	}
];
