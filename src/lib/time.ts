// Every date a person sees or enters is in their time zone (issue 13). One helper, used by the
// pages, the components and the server (which reads form fields in the person's zone), so a
// "09:00" means the same instant everywhere. Zones are IANA names ('Europe/Paris'); 'UTC' when a
// person has none yet.

export const DEFAULT_TIME_ZONE = 'UTC';

/** Whether the runtime knows this IANA zone name. */
export function isTimeZone(name: unknown): name is string {
	if (typeof name !== 'string' || name.length === 0 || name.length > 64) return false;
	try {
		new Intl.DateTimeFormat('en', { timeZone: name });
		return true;
	} catch {
		return false;
	}
}

/** The zones to offer in a picker (the runtime's list; UTC first). */
export function timeZones(): string[] {
	const list =
		typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
	return ['UTC', ...list.filter((zone) => zone !== 'UTC')];
}

const formats = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
	const key = `${zone}|${JSON.stringify(options)}`;
	let found = formats.get(key);
	if (!found) {
		found = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: zone });
		formats.set(key, found);
	}
	return found;
}

type When = Date | string | number;
const toDate = (when: When) => (when instanceof Date ? when : new Date(when));

/** "6 Dec 2026, 14:05" in the zone. */
export function formatDateTime(when: When, zone: string): string {
	return formatter(zone, { dateStyle: 'medium', timeStyle: 'short' }).format(toDate(when));
}

/** "6 Dec 2026" in the zone. */
export function formatDate(when: When, zone: string): string {
	return formatter(zone, { dateStyle: 'medium' }).format(toDate(when));
}

/** "14:05" in the zone. */
export function formatTime(when: When, zone: string): string {
	return formatter(zone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
		toDate(when)
	);
}

/** The zone's short name at that instant ("CET", "GMT+1"), for labels. */
export function zoneAbbreviation(when: When, zone: string): string {
	const parts = formatter(zone, { timeZoneName: 'short' }).formatToParts(toDate(when));
	return parts.find((part) => part.type === 'timeZoneName')?.value ?? zone;
}

type Wall = { year: number; month: number; day: number; hour: number; minute: number };

function wallClock(instant: number, zone: string): Wall & { second: number } {
	const parts = formatter(zone, {
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
		hourCycle: 'h23'
	}).formatToParts(new Date(instant));
	const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
	return {
		year: get('year'),
		month: get('month'),
		day: get('day'),
		hour: get('hour'),
		minute: get('minute'),
		second: get('second')
	};
}

/** The zone's offset from UTC at an instant, in milliseconds (Paris in winter: +3,600,000). */
function offsetAt(instant: number, zone: string): number {
	const w = wallClock(instant, zone);
	const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
	return asUtc - Math.floor(instant / 1000) * 1000;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An instant as the value of an `<input type="datetime-local">` in the zone: "2026-03-29T09:30". */
export function toLocalInput(when: When, zone: string): string {
	const w = wallClock(toDate(when).getTime(), zone);
	return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** An instant as the value of an `<input type="date">` in the zone: "2026-03-29". */
export function toLocalDateInput(when: When, zone: string): string {
	return toLocalInput(when, zone).slice(0, 10);
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * The instant a wall-clock time in the zone names ("2026-03-29T09:30", or a date alone for its
 * midnight), or null when the text is not one. A time the clocks skip (a spring-forward gap) is
 * read as the same number of minutes after the gap's start, as the clock reads after it jumps; a
 * time that happens twice (autumn) is the first of the two.
 */
export function fromLocalInput(value: string, zone: string): Date | null {
	const match = LOCAL.exec(value.trim());
	if (!match) return null;
	const [year, month, day, hour = 0, minute = 0, second = 0] = match
		.slice(1)
		.map((part) => (part === undefined ? undefined : Number(part))) as number[];
	if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
		return null;
	}
	const wall = Date.UTC(year, month - 1, day, hour, minute, second);
	if (new Date(wall).getUTCDate() !== day) return null;
	// The offsets a day before and after cover both sides of any transition near this time.
	const candidates = [
		...new Set([offsetAt(wall - 86_400_000, zone), offsetAt(wall + 86_400_000, zone)])
	]
		.map((offset) => wall - offset)
		.filter(
			(instant) =>
				wallClock(instant, zone).hour === hour && offsetAt(instant, zone) === wall - instant
		)
		.sort((a, b) => a - b);
	if (candidates.length > 0) return new Date(candidates[0]);
	// In a gap: the offset before the transition, which lands after it.
	return new Date(wall - offsetAt(wall - 86_400_000, zone));
}

/**
 * A form field's date-time as ISO: a datetime-local value ("2026-11-30T09:00") or a date alone is
 * read in the zone; anything else is returned as it is, for the schema to accept (an ISO time with
 * its offset) or name as wrong.
 */
export function localInputToIso(value: string, zone: string): string {
	if (!LOCAL.test(value.trim())) return value;
	return fromLocalInput(value, zone)?.toISOString() ?? value;
}
