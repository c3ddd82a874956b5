/** What a failed (or successful) form action hands back to the page, read loosely by components. */
export type FormState = {
	form?: string;
	message?: string;
	issues?: Array<{ path?: string; message: string }>;
	values?: Record<string, unknown>;
	success?: string;
} | null;

/** The state only if it belongs to the named form on a page with several forms. */
export function stateOf(state: unknown, form: string): FormState {
	const typed = state as FormState;
	return typed && typed.form === form ? typed : null;
}

export function issueFor(state: FormState, path: string): string | undefined {
	return state?.issues?.find((issue) => issue.path === path)?.message;
}

export function valueOf(state: FormState, name: string, fallback = ''): string {
	const value = state?.values?.[name];
	return value === undefined || value === null ? fallback : String(value);
}
