import { LEADER_PERMISSIONS } from '$lib/groups';

const TEXT_FIELDS = [
	'name',
	'kind',
	'idnumber',
	'description',
	'visibility',
	'membershipMode',
	'sizeLimit'
];

/**
 * The group fields a form posted, for groups.create or groups.update (which validate them).
 * Checkboxes are only read when the form says it carries them (`settings=1`), so a short form
 * does not switch settings off by leaving them out.
 */
export function groupInputFrom(data: FormData): Record<string, unknown> {
	const input: Record<string, unknown> = {};
	for (const name of TEXT_FIELDS) {
		if (data.has(name)) input[name] = String(data.get(name));
	}
	if (data.get('settings') === '1') {
		input.messagingEnabled = data.has('messagingEnabled');
		for (const [name] of LEADER_PERMISSIONS) input[name] = data.has(name);
	}
	return input;
}

/** A date from `<input type="date">` as the end of that day, UTC, or null when empty. */
export function endOfDay(value: FormDataEntryValue | null): string | null {
	const text = String(value ?? '').trim();
	if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
	return new Date(`${text}T23:59:59.000Z`).toISOString();
}
