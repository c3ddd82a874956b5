/**
 * Mentions as the composer's picker finds them, folded exactly as the database folds them
 * (private.fold_mention_text in supabase/schemas/09_channels.sql): Unicode NFD, combining marks
 * dropped, lower case. "@ines" finds "Inès Moreau", and the server mentions Inès for "@ines moreau".
 */
import type { Person } from '$lib/realtime/types';

export function foldMention(text: string): string {
	return text
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase();
}

/** The `@` query being typed at the caret: where its `@` is and what follows it, or null. */
export function mentionQueryAt(
	text: string,
	caret: number
): { start: number; query: string } | null {
	const before = text.slice(0, caret);
	const at = before.lastIndexOf('@');
	if (at < 0) return null;
	// An `@` inside a word (an email address) starts no mention.
	if (at > 0 && /[\p{L}\p{N}_]/u.test(before[at - 1])) return null;
	const query = before.slice(at + 1);
	if (query.length > 40 || /[\n@]/.test(query) || /\s\s/.test(query) || /^\s/.test(query)) {
		return null;
	}
	return { start: at, query };
}

export type MentionOption = { id: string; displayName: string; channel?: boolean };

export const CHANNEL_OPTION: MentionOption = {
	id: '@channel',
	displayName: 'channel',
	channel: true
};

/**
 * The people whose name matches the query without case or accents: names that start with it
 * first, then names with a word that starts with it, then names that contain it; at most `limit`.
 */
export function matchMentionables(
	people: readonly Person[],
	query: string,
	{ canMentionChannel = false, excludeId = '', limit = 8 } = {}
): MentionOption[] {
	const folded = foldMention(query.trim());
	const ranked: { option: MentionOption; rank: number }[] = [];
	for (const person of people) {
		if (person.id === excludeId) continue;
		const name = foldMention(person.displayName);
		const rank = name.startsWith(folded)
			? 0
			: name.split(/\s+/).some((word) => word.startsWith(folded))
				? 1
				: name.includes(folded)
					? 2
					: -1;
		if (rank >= 0) ranked.push({ option: person, rank });
	}
	ranked.sort(
		(a, b) => a.rank - b.rank || a.option.displayName.localeCompare(b.option.displayName)
	);
	const options = ranked.map((entry) => entry.option);
	if (canMentionChannel && 'channel'.startsWith(folded)) options.unshift(CHANNEL_OPTION);
	return options.slice(0, limit);
}
