import { naturalCompare } from '$lib/natural';
/** Words and small helpers the course groups pages share with the browser. */

/** Spreadsheet-style letters: 0 → A, 25 → Z, 26 → AA, 27 → AB. */
export function letterFor(index: number): string {
	let name = '';
	for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
		name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
	}
	return name;
}

/**
 * The name the pattern gives the group at `index` (0-based): `@` becomes a letter, `#` a number;
 * only the first placeholder is replaced, so "Lab # @" names "Lab 1 @".
 */
export function nameFor(pattern: string, index: number): string {
	const at = pattern.indexOf('@');
	const hash = pattern.indexOf('#');
	if (at < 0 && hash < 0) return pattern;
	const useLetter = at >= 0 && (hash < 0 || at < hash);
	const position = useLetter ? at : hash;
	const label = useLetter ? letterFor(index) : String(index + 1);
	return pattern.slice(0, position) + label + pattern.slice(position + 1);
}

/** A short sample of the names a pattern gives, for the form's hint ("Lab 1, Lab 2, …, Lab 12"). */
export function sampleNames(pattern: string, count: number): string {
	if (!/[@#]/.test(pattern) || count < 1) return '';
	const first = Array.from({ length: Math.min(count, 3) }, (_, i) => nameFor(pattern, i));
	if (count <= 4) return [...first, ...(count === 4 ? [nameFor(pattern, 3)] : [])].join(', ');
	return `${first.join(', ')}, …, ${nameFor(pattern, count - 1)}`;
}

export const ALLOCATIONS = {
	random: 'Random (reproducible from the seed)',
	alphabetical: 'Alphabetical by last name, then first name',
	none: 'None — create empty groups'
} as const;

export const GROUP_MODES = {
	none: {
		label: 'No groups',
		explain: 'Everyone sees every participant; groups only organise people.'
	},
	separate: {
		label: 'Separate groups',
		explain: 'Learners see and talk only with the people who share a group with them.'
	},
	visible: {
		label: 'Visible groups',
		explain: 'Learners see all groups and their members but take part only in their own.'
	}
} as const;

export const AUTO_LEADERS = {
	none: 'No automatic leader',
	first: 'The first member to join leads',
	random: 'A random member leads'
} as const;

/** Places left in a group with a size limit, or null when there is no limit. */
export function placesLeft(memberCount: number, sizeLimit: number | null): number | null {
	return sizeLimit === null ? null : Math.max(0, sizeLimit - memberCount);
}

/** "3 places left", "1 place left", "Full", or "No limit". */
export function placesLabel(memberCount: number, sizeLimit: number | null): string {
	const left = placesLeft(memberCount, sizeLimit);
	if (left === null) return 'No limit';
	if (left === 0) return 'Full';
	return `${left} ${left === 1 ? 'place' : 'places'} left`;
}

/** Groups in the order people read them: "Lab 2" before "Lab 10". */
export function byName<T extends { name: string }>(items: readonly T[]): T[] {
	return [...items].sort((a, b) => naturalCompare(a.name, b.name));
}
