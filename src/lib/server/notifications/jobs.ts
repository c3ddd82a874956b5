import { pool } from '$lib/server/db';
import { defineQueue } from '$lib/server/jobs/boss';

/** Emails at once: `ids` when the database announced them, none for "everything still due". */
export const emailQueue = defineQueue<{ ids?: string[] }>({ name: 'notification-email' });
/** Minutely: whatever an earlier job could not send (a crash, a mail server that was down). */
export const emailSweepQueue = defineQueue<object>({
	name: 'notification-email-sweep',
	policy: 'singleton'
});
/** Daily: each person's digest (DIGEST_CRON, UTC; 07:00 by default). */
export const digestQueue = defineQueue<object>({
	name: 'notification-digest',
	policy: 'singleton'
});

/**
 * Queues the emails of new notifications as the database announces them (at commit). Every job
 * process listens and may queue the same ids: sending claims each notification, so it goes once.
 */
export async function listenForNotifications(): Promise<() => Promise<void>> {
	const listener = await pool().listen('tessera_notifications', (payload) => {
		let ids: string[] | null;
		try {
			ids = (JSON.parse(payload) as { email: string[] | null }).email;
		} catch (error) {
			console.error('Bad notification payload', error);
			return;
		}
		if (!ids?.length) return;
		emailQueue
			.send({ ids })
			.catch((error) => console.error('Could not queue notification emails', error));
	});
	return listener.unlisten;
}
