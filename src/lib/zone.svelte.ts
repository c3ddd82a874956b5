import { page } from '$app/state';
import { DEFAULT_TIME_ZONE } from '$lib/time';

/**
 * The signed-in person's time zone, from the app layout's data (UTC on pages outside it). Read it
 * where a date is shown or entered: `formatDateTime(at, personZone())`.
 */
export function personZone(): string {
	return (page.data as { timeZone?: string }).timeZone ?? DEFAULT_TIME_ZONE;
}
