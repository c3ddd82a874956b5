import * as time from '$lib/time';
import { personZone } from '$lib/zone.svelte';

/** Dates and words the progress pages share; dates in the person's time zone (src/lib/time.ts). */
export function formatDate(value: Date | string | null | undefined): string {
	return value ? time.formatDate(value, personZone()) : '—';
}

export function formatDateTime(value: Date | string | null | undefined): string {
	return value ? time.formatDateTime(value, personZone()) : '—';
}

/** "every hour", "every 90 minutes", "every 2 days". */
export function cadenceLabel(minutes: number): string {
	if (minutes % 1440 === 0) return minutes === 1440 ? 'every day' : `every ${minutes / 1440} days`;
	if (minutes % 60 === 0) return minutes === 60 ? 'every hour' : `every ${minutes / 60} hours`;
	return `every ${minutes} minutes`;
}

/** Whole days between a moment and now ("today", "3 days ago"). */
export function daysAgo(value: Date | string | null | undefined, now = Date.now()): string {
	if (!value) return 'never';
	const days = Math.floor((now - new Date(value).getTime()) / 86_400_000);
	if (days <= 0) return 'today';
	return days === 1 ? 'yesterday' : `${days} days ago`;
}

export function plural(count: number, word: string, many = `${word}s`): string {
	return `${count} ${count === 1 ? word : many}`;
}

export const ACTIVITY_TYPES: Record<string, string> = {
	page: 'Page',
	assignment: 'Assignment',
	quiz: 'Quiz',
	video: 'Video',
	discussion: 'Discussion',
	external: 'External'
};

/** Who a restricted activity is for, as staff read it: "Group A, grouping Projects"; '' when unnamed. */
export function restrictionLabel(activity: {
	restrictedTo: { name: string }[];
	restrictedToGroupings?: { name: string }[];
	restrictedToDeleted?: number;
	restrictedToAnyGroup?: boolean;
}): string {
	return [
		...(activity.restrictedToAnyGroup ? ['any group'] : []),
		...activity.restrictedTo.map((g) => g.name),
		...(activity.restrictedToGroupings ?? []).map((g) => `grouping ${g.name}`),
		...((activity.restrictedToDeleted ?? 0) > 0
			? ['a deleted group (staff only until changed)']
			: [])
	].join(', ');
}

export const GROUP_MODE_NAMES: Record<'none' | 'separate' | 'visible', string> = {
	none: 'no groups',
	separate: 'separate groups',
	visible: 'visible groups'
};
