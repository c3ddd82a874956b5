import { DomainError } from '$lib/server/errors';
import { formFailure } from '$lib/server/forms';

type Change = { userId: string; role?: string; status?: string };

/**
 * The participants list's edits, from its one Save form: `role:<userId>` and `status:<userId>`
 * per edited row (every row of the page when the browser runs no script: unchanged ones are
 * counted as such), and `name:<userId>` for the answer's wording.
 */
export function enrolmentChangesFrom(data: FormData) {
	const byUser = new Map<string, Change>();
	const names: Record<string, string> = {};
	for (const [key, raw] of data.entries()) {
		const value = String(raw);
		const [field, userId] = key.split(':', 2);
		if (!userId) continue;
		if (field === 'name') {
			names[userId] = value;
			continue;
		}
		if (field !== 'role' && field !== 'status') continue;
		const change = byUser.get(userId) ?? { userId };
		if (value) change[field] = value;
		byUser.set(userId, change);
	}
	return { changes: [...byUser.values()], names };
}

/** "Saved the changes to Ada Lovelace and Ben Okafor." */
export function savedMessage(names: (string | undefined)[]) {
	if (names.length === 0) return 'Nothing to save: every row already says that.';
	const named = names.map((name) => name || 'a participant');
	const list =
		named.length <= 3
			? named.length === 1
				? named[0]
				: `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`
			: `${named.length} participants`;
	return `Saved the changes to ${list}.`;
}

/**
 * A failed Save, its issues named by row (`row:<userId>`) so the page shows each beside its
 * person; the changes come back so nothing typed is lost.
 */
export function editsFailure(error: unknown, changes: Change[]) {
	if (!(error instanceof DomainError)) return formFailure(error);
	const issues = error.issues.map((issue) => {
		const index = /^changes\.(\d+)/.exec(issue.path ?? '')?.[1];
		const userId = index === undefined ? undefined : changes[Number(index)]?.userId;
		return userId ? { path: `row:${userId}`, message: issue.message } : issue;
	});
	const message =
		error.code === 'invalid_input' && issues.some((issue) => issue.path?.startsWith('row:'))
			? `Nothing was saved: ${error.message}`
			: error.message;
	return formFailure(
		new DomainError(error.status, error.code, message, issues),
		{ changes },
		'edits'
	);
}
