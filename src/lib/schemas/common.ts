import * as v from 'valibot';

// Bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069) reorder the text around
// them: a name carrying one can display as something else (CVE-2021-42574, "Trojan Source").
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;
// Anything a reader sees: not a space, control, format (zero-width) or mark character, and none
// of the letters that render as blanks (Hangul fillers, Braille blank, Mongolian vowel separator).
const VISIBLE = /[^\p{White_Space}\p{Z}\p{C}\p{M}\u115F\u1160\u3164\uFFA0\u2800\u180E]/u;

/** The rule for every name people read (groups, channels, courses, organisations, people…). */
export function isReadableName(text: string): boolean {
	return VISIBLE.test(text) && !BIDI_CONTROL.test(text);
}

/**
 * The pipe action for names: a visible character, no bidi controls, with a message for each. An
 * empty name is left to the field's own `nonEmpty` message.
 */
export const readableName = v.check<string, (issue: v.CheckIssue<string>) => string>(
	(text) => text === '' || isReadableName(text),
	(issue) =>
		BIDI_CONTROL.test(issue.input)
			? 'Remove the right-to-left or left-to-right control characters from the name.'
			: 'Use at least one visible character in the name.'
);

export const EARLIEST_YEAR = 1900;
export const LATEST_YEAR = 9999;

/** Whether a date (or an ISO date or timestamp) falls between 1900-01-01 and 9999-12-31 (UTC). */
export function isInDateRange(value: string | Date): boolean {
	const time = value instanceof Date ? value.getTime() : Date.parse(value);
	if (Number.isNaN(time)) return false;
	const year = new Date(time).getUTCFullYear();
	return year >= EARLIEST_YEAR && year <= LATEST_YEAR;
}

const DATE_RANGE_MESSAGE = `Use a date between the years ${EARLIEST_YEAR} and ${LATEST_YEAR}.`;

/**
 * The pipe action for every date a person sends (as text or already read): within the years
 * 1900 to 9999. None (null) passes: the field's own schema says whether it may be left out.
 */
export function dateInRange<TInput extends string | Date | null>() {
	return v.check<TInput, string>(
		(value) => value === null || isInDateRange(value),
		DATE_RANGE_MESSAGE
	);
}

/** The highest page number a list accepts: far past any real list, and its offset fits SQL's bigint. */
export const MAX_PAGE_NUMBER = 1_000_000;

export const email = v.pipe(
	v.string('Enter an email address.'),
	v.trim(),
	v.toLowerCase(),
	v.nonEmpty('Enter an email address.'),
	v.maxLength(254, 'That email address is too long.'),
	v.email('Enter a valid email address, like name@example.com.')
);

export const displayName = v.pipe(
	v.string('Enter your name.'),
	v.trim(),
	v.nonEmpty('Enter your name.'),
	v.maxLength(100, 'Use at most 100 characters for a name.'),
	readableName
);

export const uuid = v.pipe(v.string(), v.uuid('That is not a valid id.'));

export const courseRole = v.picklist(
	['learner', 'assistant', 'instructor'],
	'The role must be learner, assistant or instructor.'
);
export type CourseRole = v.InferOutput<typeof courseRole>;

export const enrolmentStatus = v.picklist(
	['active', 'suspended'],
	'The status must be active or suspended.'
);
export type EnrolmentStatus = v.InferOutput<typeof enrolmentStatus>;
