/** An expected failure with a message a person can act on. Routes and the API turn it into a response. */
export class DomainError extends Error {
	constructor(
		readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429,
		readonly code: string,
		message: string,
		readonly issues: Array<{ path?: string; message: string }> = [],
		readonly retryAfterSeconds?: number
	) {
		super(message);
		this.name = 'DomainError';
	}
}

/** Denied and missing look the same, so a caller cannot probe for what exists. */
export const NOT_FOUND_MESSAGE = 'Not found, or you do not have access.';

export function notFound(): DomainError {
	return new DomainError(404, 'not_found', NOT_FOUND_MESSAGE);
}

export function invalid(message: string, issues: DomainError['issues'] = []): DomainError {
	return new DomainError(400, 'invalid_input', message, issues);
}

export function conflict(message: string): DomainError {
	return new DomainError(409, 'conflict', message);
}
