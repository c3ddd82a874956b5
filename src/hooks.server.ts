import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import type { Server as HttpServer } from 'node:http';
import * as apiTokens from '$lib/server/auth/api-tokens';
import {
	deleteSessionCookie,
	SESSION_COOKIE,
	setSessionCookie,
	validateSessionToken
} from '$lib/server/auth/session';
import { attachSocketServer, closeSocketServer } from '$lib/server/realtime/server';
import { startJobs, stopJobs } from '$lib/server/background';
import { closePool, DATABASE_DOWN_MESSAGE, isConnectionFailure } from '$lib/server/db';
import { closeListener } from '$lib/server/db/listen';
import { maxUploadBytes } from '$lib/server/resources';
import { maxUploadRequestBytes, UPLOAD_PATHS } from '$lib/server/resources/http';
import { crossOriginRefusal, isCrossOriginWrite } from '$lib/server/http/origin';

export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export const init: ServerInit = async () => {
	// The dev plugin (vite.config.ts) and the production entry (server.js) publish the HTTP server.
	const httpServer = (globalThis as Record<symbol, unknown>)[Symbol.for('tessera.httpServer')];
	attachSocketServer(httpServer as HttpServer | undefined);
	startJobs().catch((error) => console.error('Background jobs did not start', error));
	// server.js and scripts/dev.js call this before they stop the database, so no connection of
	// ours is cut from under us (pg-boss and the socket server's listeners would log errors).
	(globalThis as Record<symbol, unknown>)[Symbol.for('tessera.shutdown')] = async () => {
		await Promise.allSettled([stopJobs(), closeSocketServer()]);
		await Promise.allSettled([closePool(), closeListener()]);
	};
};

const handleRequest: Handle = async ({ event, resolve }) => {
	const isApi = event.url.pathname.startsWith('/api/');
	const declared = event.request.headers.get('content-length');
	const length = Number(declared ?? 0);
	// File uploads stream and check their own, larger limit (resources/http.ts); every other body
	// is capped here. A body without Content-Length (chunked) could not be checked before it is
	// read, so outside the upload routes one is refused.
	const isUpload =
		event.request.method === 'POST' && UPLOAD_PATHS.some((path) => path.test(event.url.pathname));
	const limit = isUpload ? maxUploadRequestBytes() : MAX_BODY_BYTES;
	const chunked = declared === null && event.request.headers.has('transfer-encoding');
	if (length > limit || (chunked && !isUpload)) {
		const message = chunked
			? 'Send the request with a Content-Length header.'
			: isUpload
				? `The file is too large: upload at most ${Math.round(maxUploadBytes() / 1024 / 1024)} MB.`
				: `The request is too large: send at most ${Math.round(limit / 1024 / 1024)} MB.`;
		const status = chunked ? 411 : 413;
		// The body is left unread, so the connection cannot carry another request.
		const headers = { connection: 'close' };
		return isApi
			? Response.json(
					{ error: { code: chunked ? 'length_required' : 'too_large', message, issues: [] } },
					{ status, headers }
				)
			: new Response(message, { status, headers });
	}

	if (isCrossOriginWrite(event)) return crossOriginRefusal(event);

	event.locals.user = null;
	event.locals.session = null;
	event.locals.via = 'app';
	const secure = event.url.protocol === 'https:';
	const bearer = event.request.headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
	if (isApi && bearer) {
		event.locals.user = await apiTokens.validate(bearer);
		event.locals.via = 'api';
	} else {
		const token = event.cookies.get(SESSION_COOKIE);
		if (token) {
			const { session, user } = await validateSessionToken(token);
			if (session) {
				event.locals.session = session;
				event.locals.user = user;
				setSessionCookie(event.cookies, token, session.expiresAt, secure);
			} else {
				deleteSessionCookie(event.cookies, secure);
			}
		}
		if (isApi) event.locals.via = 'api';
	}

	const response = await resolve(event);
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'same-origin');
	response.headers.set('x-frame-options', 'DENY');
	return response;
};

/** Requests whose page or action failed because the database did not answer (handleError). */
const databaseDown = new WeakSet<object>();

/** While the database is away every request answers 503 at once, with a message, not a 500. */
export const handle: Handle = async (input) => {
	const { event } = input;
	try {
		const response = await handleRequest(input);
		if (!databaseDown.has(event)) return response;
		const headers = new Headers(response.headers);
		headers.set('retry-after', '2');
		return new Response(response.body, { status: 503, headers });
	} catch (error) {
		if (!isConnectionFailure(error)) throw error;
		const headers = { 'retry-after': '2' };
		return event.url.pathname.startsWith('/api/')
			? Response.json(
					{ error: { code: 'unavailable', message: DATABASE_DOWN_MESSAGE, issues: [] } },
					{ status: 503, headers }
				)
			: new Response(DATABASE_DOWN_MESSAGE, { status: 503, headers });
	}
};

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (isConnectionFailure(error)) {
		databaseDown.add(event);
		return { message: DATABASE_DOWN_MESSAGE, code: 'unavailable' };
	}
	if (status !== 404) console.error(error);
	return {
		message:
			status === 404
				? 'Not found, or you do not have access.'
				: 'Something went wrong on our side. Try again.',
		code: status === 404 ? 'not_found' : 'internal'
	};
};
