// The process's background work, wired in one place: the domains each declare their queues
// (through the jobs module, which knows none of them) and this module starts them all.
import * as cohorts from '$lib/server/cohorts';
import { listenForNotifications } from '$lib/server/notifications/jobs';
import { stopBoss, work } from '$lib/server/jobs';
import { listenForFactChanges } from '$lib/server/learner-groups/freshness';
import { workers } from './workers';

const STARTED = Symbol.for('tessera.jobs');
const SWEEP_EVERY_MS = Number(process.env.MEMBERSHIP_SWEEP_MS ?? 5000);

type Store = Record<
	symbol,
	| {
			timer: NodeJS.Timeout;
			unlisten: (() => Promise<void>) | null;
			unlistenNotifications: (() => Promise<void>) | null;
	  }
	| undefined
>;

/**
 * Background work of this process.
 *
 * - The membership sweep catches memberships that start or end by the clock (valid_from /
 *   valid_until), so they reach courses within seconds. It runs every few seconds, which pg-boss's
 *   minutely clock cannot do; its row is locked while it runs, so several app processes never
 *   apply the same change twice.
 * - Writes the database reports on `tessera_learner_groups` (any fact a criterion reads, by any
 *   path) queue the refresh of the dynamic learner groups that read them.
 * - New notifications the database reports on `tessera_notifications` queue their emails.
 * - Every queue in ./workers.ts is worked through pg-boss (`TESSERA_JOBS=off` turns both off,
 *   for processes that only serve requests).
 */
export async function startJobs() {
	const store = globalThis as unknown as Store;
	if (store[STARTED] || process.env.TESSERA_JOBS === 'off') return;
	let running = false;
	const timer = setInterval(() => {
		if (running) return;
		running = true;
		cohorts
			.syncDueMemberships()
			.catch((error) => console.error('Membership sweep failed', error))
			.finally(() => {
				running = false;
			});
	}, SWEEP_EVERY_MS);
	timer.unref();
	const started = {
		timer,
		unlisten: null as (() => Promise<void>) | null,
		unlistenNotifications: null as (() => Promise<void>) | null
	};
	store[STARTED] = started;
	started.unlisten = await listenForFactChanges().catch((error) => {
		console.error('Could not listen for learner group facts', error);
		return null;
	});
	started.unlistenNotifications = await listenForNotifications().catch((error) => {
		console.error('Could not listen for new notifications', error);
		return null;
	});
	for (const worker of workers) {
		await work(worker.queue, worker.handler, worker.options);
	}
	for (const scheduled of workers.flatMap((worker) => worker.schedules ?? [])) {
		await scheduled();
	}
}

/** Stops the sweep and this process's workers (running jobs may finish first). */
export async function stopJobs() {
	const store = globalThis as unknown as Store;
	const started = store[STARTED];
	store[STARTED] = undefined;
	if (started) {
		clearInterval(started.timer);
		await started.unlisten?.().catch(() => {});
		await started.unlistenNotifications?.().catch(() => {});
	}
	await stopBoss();
}
