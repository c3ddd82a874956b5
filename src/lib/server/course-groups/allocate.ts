import { letterFor, nameFor } from '$lib/course-groups';

// The naming rules are the ones the auto-create form previews in the browser: one definition.
export { letterFor as letters, nameFor as groupName };

/**
 * Automatic group creation, as pure functions: how many groups of which sizes, who goes where,
 * and what the groups are called. No I/O, so the same input always gives the same groups.
 */

export type Person = { id: string; displayName: string };

export type Allocation = 'random' | 'alphabetical' | 'none';

export type AllocateOptions = {
	/** 'groups': `count` groups; 'members': groups of `count` members. */
	by: 'groups' | 'members';
	count: number;
	allocation: Allocation;
	seed: number;
	/** By members only: when the last group would have fewer than 70% of `count`, spread it. */
	preventLastSmall: boolean;
};

/** Moodle's threshold (AUTOGROUP_MIN_RATIO): a last group under 70% of the size is "small". */
export const MIN_LAST_GROUP_RATIO = 0.7;

export const MAX_SEED = 2_147_483_647;

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same sequence everywhere. */
export function prng(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** A seed to show staff, so they can reproduce a random allocation. */
export function newSeed(): number {
	return 1 + Math.floor(Math.random() * (MAX_SEED - 1));
}

/** Fisher–Yates with the seeded PRNG over `items` in the order given. */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
	const random = prng(seed);
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}

/**
 * First and last name from one display name: the last word is the last name, the words before
 * it the first name ("Mary Ann van Dyke" → last "Dyke"). A one-word name is a last name.
 */
export function splitName(displayName: string): { first: string; last: string } {
	const words = displayName.trim().split(/\s+/).filter(Boolean);
	if (words.length === 0) return { first: '', last: '' };
	return { first: words.slice(0, -1).join(' '), last: words[words.length - 1] };
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** By last name, then first name, then id (so equal names still have one order). */
export function sortAlphabetically<T extends Person>(people: readonly T[]): T[] {
	const keyed = people.map((person) => ({ person, ...splitName(person.displayName) }));
	keyed.sort(
		(a, b) =>
			collator.compare(a.last, b.last) ||
			collator.compare(a.first, b.first) ||
			(a.person.id < b.person.id ? -1 : a.person.id > b.person.id ? 1 : 0)
	);
	return keyed.map((entry) => entry.person);
}

/** How many people go in each group, for `total` people. */
export function groupSizes(
	total: number,
	by: AllocateOptions['by'],
	count: number,
	preventLastSmall: boolean
): number[] {
	if (!Number.isInteger(count) || count < 1) throw new RangeError('count must be at least 1');
	if (by === 'groups') return spread(total, count);
	if (total === 0) return [];
	const groups = Math.ceil(total / count);
	const last = total - count * (groups - 1);
	if (preventLastSmall && groups > 1 && last < count * MIN_LAST_GROUP_RATIO) {
		return spread(total, groups - 1);
	}
	return Array.from({ length: groups }, (_, i) => (i === groups - 1 ? last : count));
}

/** `total` over `groups` as evenly as possible, larger groups first. */
function spread(total: number, groups: number): number[] {
	const base = Math.floor(total / groups);
	const extra = total % groups;
	return Array.from({ length: groups }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * Who goes in which group. Random shuffles the people (taken in id order, so the input order
 * does not matter) with the seed; alphabetical sorts them; both then fill the groups in turn.
 * 'none' gives the same number of groups, empty.
 */
export function allocate<T extends Person>(people: readonly T[], options: AllocateOptions): T[][] {
	const sizes = groupSizes(people.length, options.by, options.count, options.preventLastSmall);
	if (options.allocation === 'none') return sizes.map(() => []);
	const ordered =
		options.allocation === 'random'
			? shuffle(
					[...people].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
					options.seed
				)
			: sortAlphabetically(people);
	const groups: T[][] = [];
	let next = 0;
	for (const size of sizes) {
		groups.push(ordered.slice(next, next + size));
		next += size;
	}
	return groups;
}

/** Whether a naming scheme can number groups: it needs an @ (letters) or a # (numbers). */
export function isNamingScheme(pattern: string): boolean {
	return /[@#]/.test(pattern);
}

/**
 * `count` names from the scheme, skipping any already used (compared without case and
 * surrounding space), so "Group A" is not made twice in one course.
 */
export function nameGroups(pattern: string, count: number, taken: Iterable<string>): string[] {
	if (!isNamingScheme(pattern)) throw new RangeError('the naming scheme needs an @ or a #');
	const used = new Set([...taken].map((name) => name.trim().toLowerCase()));
	const names: string[] = [];
	for (let index = 0; names.length < count; index++) {
		const name = nameFor(pattern, index);
		if (!used.has(name.trim().toLowerCase())) names.push(name);
	}
	return names;
}
