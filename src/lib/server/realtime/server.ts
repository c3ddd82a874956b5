import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { parse as parseCookies } from 'cookie';
import { Server } from 'socket.io';
import { SESSION_COOKIE, validateSessionToken } from '$lib/server/auth/session';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '$lib/realtime/events';
import { currentIo, registerIo } from './revoke';

export type TesseraIo = Server<
	ClientToServerEvents,
	ServerToClientEvents,
	Record<string, never>,
	SocketData
>;

/** Origins allowed to open a socket: ORIGIN (as adapter-node reads it), else the request's own host. */
export function isAllowedOrigin(request: IncomingMessage): boolean {
	const origin = request.headers.origin;
	if (!origin) return false;
	const configured = [process.env.ORIGIN, ...(process.env.ALLOWED_ORIGINS ?? '').split(',')]
		.map((value) => value?.trim())
		.filter(Boolean);
	if (configured.length > 0) return configured.includes(origin);
	try {
		return new URL(origin).host === request.headers.host;
	} catch {
		return false;
	}
}

export function attachSocketServer(
	httpServer: HttpServer | null | undefined
): TesseraIo | undefined {
	const existing = currentIo() as TesseraIo | undefined;
	if (existing || !httpServer) return existing;
	const io: TesseraIo = new Server(httpServer, {
		path: '/socket.io',
		serveClient: false,
		maxHttpBufferSize: 64 * 1024,
		allowRequest: (request, callback) => {
			callback(
				isAllowedOrigin(request) ? null : 'This origin may not connect.',
				isAllowedOrigin(request)
			);
		}
	});

	io.use(async (socket, next) => {
		const token = parseCookies(socket.request.headers.cookie ?? '')[SESSION_COOKIE];
		if (!token) return next(new Error('Sign in first.'));
		try {
			const { session, user } = await validateSessionToken(token);
			if (!session) return next(new Error('Your session has ended. Sign in again.'));
			socket.data = { userId: user.id, sessionId: session.id, displayName: user.displayName };
			next();
		} catch (error) {
			console.error('Socket authentication failed', error);
			next(new Error('Could not check your session.'));
		}
	});

	io.on('connection', (socket) => {
		const { userId, sessionId, displayName } = socket.data;
		void socket.join([`user:${userId}`, `session:${sessionId}`]);
		socket.emit('ready', { userId, displayName });
		socket.on('whoami', (ack) => {
			if (typeof ack === 'function') ack({ userId, displayName });
		});
	});

	registerIo(io);
	return io;
}

export async function closeSocketServer() {
	const io = currentIo();
	registerIo(undefined);
	if (io) await new Promise<void>((resolve) => io.close(() => resolve()));
}
