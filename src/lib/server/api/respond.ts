import { json, type RequestEvent } from '@sveltejs/kit';
import { DATABASE_DOWN_MESSAGE, isConnectionFailure } from '$lib/server/db';
import { DomainError } from '$lib/server/errors';
import type { SessionUser } from '$lib/server/auth/session';

type Handler = (event: RequestEvent, user: SessionUser) => Promise<unknown>;

export function errorResponse(
	status: number,
	code: string,
	message: string,
	issues: DomainError['issues'] = [],
	headers: HeadersInit = {}
) {
	return json({ error: { code, message, issues } }, { status, headers });
}

/**
 * Wraps a JSON API handler: the caller must be signed in (token or cookie), domain errors become
 * `{ error: { code, message, issues } }`, anything else a 500 without details.
 */
export function endpoint(handler: Handler, { status = 200 }: { status?: number } = {}) {
	return async (event: RequestEvent) => {
		const user = event.locals.user;
		if (!user) {
			return errorResponse(
				401,
				'unauthenticated',
				'Send a personal access token as "Authorization: Bearer …" or sign in.'
			);
		}
		return respond(() => handler(event, user), status);
	};
}

/** The same wrapper for the few endpoints that work without a signed-in caller (signing in). */
export function publicEndpoint(
	handler: (event: RequestEvent) => Promise<unknown>,
	{ status = 200 }: { status?: number } = {}
) {
	return (event: RequestEvent) => respond(() => handler(event), status);
}

async function respond(run: () => Promise<unknown>, status: number): Promise<Response> {
	try {
		const result = await run();
		if (result instanceof Response) return result;
		return result === undefined ? new Response(null, { status: 204 }) : json(result, { status });
	} catch (error) {
		if (error instanceof DomainError) {
			const headers: Record<string, string> = error.retryAfterSeconds
				? { 'retry-after': String(error.retryAfterSeconds) }
				: {};
			return errorResponse(error.status, error.code, error.message, error.issues, headers);
		}
		if (isConnectionFailure(error)) {
			return errorResponse(503, 'unavailable', DATABASE_DOWN_MESSAGE, [], { 'retry-after': '2' });
		}
		console.error(error);
		return errorResponse(500, 'internal', 'Something went wrong on our side. Try again.');
	}
}

/** A route's `fallback`: any other method gets a JSON 405 that names the allowed ones. */
export function methodNotAllowed(allowed: string[]) {
	return async ({ request }: RequestEvent) =>
		errorResponse(
			405,
			'method_not_allowed',
			`${request.method} is not supported here; use ${allowed.join(' or ')}.`,
			[],
			{
				allow: allowed.join(', ')
			}
		);
}

/** The request body as JSON, or a clear 400. */
export async function readJson(event: RequestEvent): Promise<unknown> {
	const type = event.request.headers.get('content-type') ?? '';
	if (!type.includes('application/json')) {
		throw new DomainError(
			415,
			'unsupported_media_type',
			'Send the body as JSON (Content-Type: application/json).'
		);
	}
	try {
		return await event.request.json();
	} catch {
		throw new DomainError(400, 'malformed_json', 'The body is not valid JSON.');
	}
}
