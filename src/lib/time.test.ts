import { describe, expect, it } from 'vitest';
import {
	formatDate,
	formatDateTime,
	formatTime,
	fromLocalInput,
	isTimeZone,
	toLocalDateInput,
	toLocalInput
} from './time';

describe('time in a person’s zone', () => {
	it('shows one instant as each zone’s wall clock', () => {
		const instant = new Date('2026-12-06T14:05:00Z');
		expect(formatDateTime(instant, 'UTC')).toBe('6 Dec 2026, 14:05');
		expect(formatDateTime(instant, 'Europe/Paris')).toBe('6 Dec 2026, 15:05');
		expect(formatDateTime(instant, 'America/New_York')).toBe('6 Dec 2026, 09:05');
		expect(formatTime(instant, 'Asia/Kolkata')).toBe('19:35');
		// The date itself differs across the date line.
		expect(formatDate('2026-12-06T23:30:00Z', 'Pacific/Auckland')).toBe('7 Dec 2026');
		expect(formatDate('2026-12-06T03:00:00Z', 'America/Los_Angeles')).toBe('5 Dec 2026');
	});

	it('reads a datetime-local value in the zone, and writes it back the same', () => {
		const read = fromLocalInput('2026-12-06T09:00', 'Europe/Paris');
		expect(read?.toISOString()).toBe('2026-12-06T08:00:00.000Z');
		expect(toLocalInput(read!, 'Europe/Paris')).toBe('2026-12-06T09:00');
		expect(fromLocalInput('2026-07-01T09:00', 'Europe/Paris')?.toISOString()).toBe(
			'2026-07-01T07:00:00.000Z'
		);
		expect(fromLocalInput('2026-12-06T09:00', 'UTC')?.toISOString()).toBe(
			'2026-12-06T09:00:00.000Z'
		);
		expect(fromLocalInput('2026-12-06', 'Asia/Tokyo')?.toISOString()).toBe(
			'2026-12-05T15:00:00.000Z'
		);
		expect(toLocalDateInput('2026-12-05T15:00:00Z', 'Asia/Tokyo')).toBe('2026-12-06');
	});

	it('handles the spring-forward gap: 02:30 that never happens is read as 03:30', () => {
		// Paris, 29 March 2026: 02:00 CET jumps to 03:00 CEST.
		expect(fromLocalInput('2026-03-29T01:59', 'Europe/Paris')?.toISOString()).toBe(
			'2026-03-29T00:59:00.000Z'
		);
		expect(fromLocalInput('2026-03-29T02:30', 'Europe/Paris')?.toISOString()).toBe(
			'2026-03-29T01:30:00.000Z'
		);
		expect(toLocalInput('2026-03-29T01:30:00Z', 'Europe/Paris')).toBe('2026-03-29T03:30');
		expect(fromLocalInput('2026-03-29T03:00', 'Europe/Paris')?.toISOString()).toBe(
			'2026-03-29T01:00:00.000Z'
		);
		// New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT.
		expect(fromLocalInput('2026-03-08T02:15', 'America/New_York')?.toISOString()).toBe(
			'2026-03-08T07:15:00.000Z'
		);
	});

	it('handles the autumn overlap: 02:30 that happens twice is the first one', () => {
		// Paris, 25 October 2026: 03:00 CEST goes back to 02:00 CET.
		expect(fromLocalInput('2026-10-25T02:30', 'Europe/Paris')?.toISOString()).toBe(
			'2026-10-25T00:30:00.000Z'
		);
		expect(toLocalInput('2026-10-25T00:30:00Z', 'Europe/Paris')).toBe('2026-10-25T02:30');
		expect(toLocalInput('2026-10-25T01:30:00Z', 'Europe/Paris')).toBe('2026-10-25T02:30');
		expect(fromLocalInput('2026-10-25T03:00', 'Europe/Paris')?.toISOString()).toBe(
			'2026-10-25T02:00:00.000Z'
		);
		// Southern hemisphere: Sydney goes back on 5 April 2026 (03:00 AEDT → 02:00 AEST).
		expect(fromLocalInput('2026-04-05T02:30', 'Australia/Sydney')?.toISOString()).toBe(
			'2026-04-04T15:30:00.000Z'
		);
	});

	it('refuses what is not a date, and names only real zones', () => {
		for (const bad of [
			'',
			'tomorrow',
			'2026-02-30T09:00',
			'2026-13-01T09:00',
			'2026-01-01T24:00'
		]) {
			expect(fromLocalInput(bad, 'UTC')).toBeNull();
		}
		expect(isTimeZone('Europe/Paris')).toBe(true);
		expect(isTimeZone('UTC')).toBe(true);
		expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
		expect(isTimeZone('')).toBe(false);
		expect(isTimeZone(42)).toBe(false);
	});
});
