import * as cohorts from '$lib/server/cohorts';

const STARTED = Symbol.for('tessera.jobs');
const SWEEP_EVERY_MS = Number(process.env.MEMBERSHIP_SWEEP_MS ?? 5000);

/**
 * Background work of this process. Membership changes made by people sync course enrolments in
 * their own transaction; the sweep catches memberships that start or end by the clock
 * (valid_from / valid_until), so they reach courses within seconds. The sweep row is locked
 * while it runs, so several app processes never apply the same change twice.
 */
export function startJobs() {
	const store = globalThis as Record<symbol, unknown>;
	if (store[STARTED]) return;
	store[STARTED] = true;
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
}
