import { isActionFailure, isHttpError, isRedirect, type RequestEvent } from '@sveltejs/kit';
import type { TestUser } from './helpers';

// Routes and form actions called as SvelteKit calls them (a RequestEvent with the signed-in user
// on locals), in-process against the real database: no mock between the handler and Postgres.

export type CallUser = TestUser & {
	platformRole?: 'admin' | 'user';
	sessionId?: string;
	timeZone?: string | null;
};

export type Call = {
	method?: string;
	user: CallUser | null;
	params?: Record<string, string>;
	/** The query string, with or without its leading "?". */
	query?: string;
	/** A JSON body: a value is serialised, a string is sent as it is (malformed JSON included). */
	json?: unknown;
	csv?: string;
	form?: Record<string, string | string[]>;
	via?: 'app' | 'api';
	path?: string;
};

function requestEvent(call: Call): RequestEvent {
	const query = call.query ? (call.query.startsWith('?') ? call.query : `?${call.query}`) : '';
	const url = new URL(`http://127.0.0.1${call.path ?? '/api/v1/x'}${query}`);
	const headers: Record<string, string> = {};
	let body: BodyInit | undefined;
	if (call.json !== undefined) {
		headers['content-type'] = 'application/json';
		body = typeof call.json === 'string' ? call.json : JSON.stringify(call.json);
	} else if (call.csv !== undefined) {
		headers['content-type'] = 'text/csv';
		body = call.csv;
	} else if (call.form !== undefined) {
		const data = new URLSearchParams();
		for (const [key, value] of Object.entries(call.form)) {
			for (const item of Array.isArray(value) ? value : [value]) data.append(key, item);
		}
		headers['content-type'] = 'application/x-www-form-urlencoded';
		body = data.toString();
	}
	const method = call.method ?? (body === undefined ? 'GET' : 'POST');
	const request = new Request(url, { method, headers, body });
	const user = call.user
		? {
				id: call.user.id,
				email: call.user.email,
				displayName: call.user.displayName,
				platformRole: call.user.platformRole ?? 'user',
				timeZone: call.user.timeZone ?? null
			}
		: null;
	const session =
		call.user?.sessionId !== undefined
			? {
					id: call.user.sessionId,
					userId: call.user.id,
					expiresAt: new Date(Date.now() + 3_600_000),
					lastSeenAt: new Date()
				}
			: null;
	const responseHeaders = new Headers();
	return {
		request,
		url,
		params: call.params ?? {},
		locals: { user, session, via: call.via ?? 'api' },
		cookies: { get: () => undefined, getAll: () => [], set: () => {}, delete: () => {} },
		getClientAddress: () => '203.0.113.7',
		setHeaders: (values: Record<string, string>) => {
			for (const [key, value] of Object.entries(values)) responseHeaders.set(key, value);
		},
		route: { id: null },
		isDataRequest: false,
		isSubRequest: false
	} as unknown as RequestEvent;
}

export type Answer = { status: number; body: unknown };

/** Calls an endpoint (`GET`, `POST`… of a +server.ts) and reads its answer. */
export async function callEndpoint(handler: unknown, call: Call): Promise<Answer> {
	try {
		const response = await (handler as (event: RequestEvent) => Promise<Response>)(
			requestEvent(call)
		);
		const type = response.headers.get('content-type') ?? '';
		const body = type.includes('json') ? await response.json() : await response.text();
		return { status: response.status, body };
	} catch (thrown) {
		return settle(thrown);
	}
}

/** Calls a form action (one entry of a +page.server.ts `actions`) as SvelteKit would. */
export async function callAction(action: unknown, call: Call): Promise<Answer> {
	try {
		const result = await (action as (event: RequestEvent) => Promise<unknown>)(
			requestEvent({ via: 'app', path: '/x', ...call, method: 'POST' })
		);
		if (isActionFailure(result)) return { status: result.status, body: result.data };
		return { status: 200, body: result };
	} catch (thrown) {
		return settle(thrown);
	}
}

/** What SvelteKit makes of a thrown redirect or error(); anything else is a 500. */
function settle(thrown: unknown): Answer {
	if (isRedirect(thrown)) return { status: thrown.status, body: thrown.location };
	if (isHttpError(thrown)) return { status: thrown.status, body: thrown.body };
	return { status: 500, body: thrown instanceof Error ? thrown.stack : String(thrown) };
}
