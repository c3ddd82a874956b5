import { fail } from '@sveltejs/kit';
import { DomainError } from './errors';

/**
 * Turns a domain error into a form failure that echoes the non-secret fields back. `form` names
 * which form on a page failed, so a page with several forms shows the message at the right one.
 */
export function formFailure(error: unknown, values: Record<string, unknown> = {}, form?: string) {
	if (error instanceof DomainError) {
		return fail(error.status, {
			form,
			code: error.code,
			message: error.message,
			issues: error.issues,
			values
		});
	}
	throw error;
}

export function formValues(data: FormData, names: string[]): Record<string, string> {
	return Object.fromEntries(names.map((name) => [name, String(data.get(name) ?? '')]));
}
