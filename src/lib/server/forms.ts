import { fail } from '@sveltejs/kit';
import { DomainError } from './errors';

/** Turns a domain error into a form failure that echoes the non-secret fields back. */
export function formFailure(error: unknown, values: Record<string, unknown> = {}) {
	if (error instanceof DomainError) {
		return fail(error.status, { message: error.message, issues: error.issues, values });
	}
	throw error;
}

export function formValues(data: FormData, names: string[]): Record<string, string> {
	return Object.fromEntries(names.map((name) => [name, String(data.get(name) ?? '')]));
}
