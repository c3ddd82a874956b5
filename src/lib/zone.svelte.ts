import { page } from '$app/state';
import { DEFAULT_TIME_ZONE } from '$lib/time';

/**
 * The signed-in person's time zone, from the app layout's data (UTC on pages outside it). Read it
 * where a date is shown or entered: `formatDateTime(at, personZone())`.
 */
export function personZone(): string {
	return (page.data as { timeZone?: string }).timeZone ?? DEFAULT_TIME_ZONE;
}

/**
 * A formatter like `new Intl.DateTimeFormat('en-GB', options)` whose dates are in the person's
 * time zone (read at each call, so a change in Settings shows at once).
 */
export function zonedFormat(options: Intl.DateTimeFormatOptions) {
	return {
		format: (when: Date | string | number) =>
			new Intl.DateTimeFormat('en-GB', { ...options, timeZone: personZone() }).format(
				typeof when === 'string' ? Date.parse(when) : when
			)
	};
}
