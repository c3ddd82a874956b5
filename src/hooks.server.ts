import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import type { Server as HttpServer } from 'node:http';
import * as apiTokens from '$lib/server/auth/api-tokens';
import {
	deleteSessionCookie,
	SESSION_COOKIE,
	setSessionCookie,
	validateSessionToken
} from '$lib/server/auth/session';
import { attachSocketServer } from '$lib/server/realtime/server';
import { startJobs, stopJobs } from '$lib/server/jobs';

export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export const init: ServerInit = async () => {
	// The dev plugin (vite.config.ts) and the production entry (server.js) publish the HTTP server.
	const httpServer = (globalThis as Record<symbol, unknown>)[Symbol.for('tessera.httpServer')];
	attachSocketServer(httpServer as HttpServer | undefined);
	startJobs().catch((error) => console.error('Background jobs did not start', error));
	// adapter-node emits this on SIGINT/SIGTERM once it has stopped taking requests.
	process.once('sveltekit:shutdown' as 'beforeExit', () => {
		stopJobs().catch((error) => console.error('Background jobs did not stop cleanly', error));
	});
};

export const handle: Handle = async ({ event, resolve }) => {
	const isApi = event.url.pathname.startsWith('/api/');
	const length = Number(event.request.headers.get('content-length') ?? 0);
	if (length > MAX_BODY_BYTES) {
		const message = `The request is too large: send at most ${MAX_BODY_BYTES / 1024 / 1024} MB.`;
		return isApi
			? Response.json({ error: { code: 'too_large', message, issues: [] } }, { status: 413 })
			: new Response(message, { status: 413 });
	}

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

export const handleError: HandleServerError = ({ error, status }) => {
	if (status !== 404) console.error(error);
	return {
		message:
			status === 404
				? 'Not found, or you do not have access.'
				: 'Something went wrong on our side. Try again.',
		code: status === 404 ? 'not_found' : 'internal'
	};
};
