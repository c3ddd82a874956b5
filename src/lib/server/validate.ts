import * as v from 'valibot';
import { DomainError } from './errors';

/** Parses untrusted input, or throws a 400 that lists every problem by field. */
export function parse<TSchema extends v.GenericSchema>(
	schema: TSchema,
	input: unknown
): v.InferOutput<TSchema> {
	const result = v.safeParse(schema, input);
	if (result.success) {
		const path = nulPath(result.output);
		if (path !== null) {
			const message =
				'The text contains a NUL character, which cannot be stored. Remove it and try again.';
			throw new DomainError(400, 'invalid_input', message, [{ path: path || undefined, message }]);
		}
		return result.output;
	}
	const issues = result.issues.map((issue) => ({
		path: issuePath(issue),
		message: unknownFieldMessage(issue) ?? issue.message
	}));
	throw new DomainError(
		400,
		'invalid_input',
		issues[0]?.message ?? 'The input is not valid.',
		issues
	);
}

function issuePath(issue: v.BaseIssue<unknown>): string | undefined {
	return issue.path?.map((item) => String(item.key)).join('.') || undefined;
}

/**
 * "Unknown field: <path>" for a key that a strict object schema does not declare, else null.
 * Request bodies are strict objects, so a misspelt or unsupported field is named instead of being
 * silently dropped.
 */
export function unknownFieldMessage(issue: v.BaseIssue<unknown>): string | null {
	return issue.type === 'strict_object' && issue.expected === 'never'
		? `Unknown field: ${issuePath(issue)}`
		: null;
}

// Postgres text cannot hold U+0000; without this check it surfaces as a 500 from the driver.
function nulPath(value: unknown, path = ''): string | null {
	if (typeof value === 'string') return value.includes('\u0000') ? path : null;
	if (value === null || typeof value !== 'object' || value instanceof Date) return null;
	for (const [key, item] of Object.entries(value)) {
		const found = nulPath(item, path ? `${path}.${key}` : key);
		if (found !== null) return found;
	}
	return null;
}

/** Whether `value` is a UUID, so a malformed id can be answered as not found before it reaches SQL. */
export function isUuid(value: string): boolean {
	return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
