import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/postgres-adapter';
import { parse as parseCookies } from 'cookie';
import pg from 'pg';
import { Server, type Socket } from 'socket.io';
import {
	SESSION_COOKIE,
	sessionEndsAt,
	validateSession,
	validateSessionToken
} from '$lib/server/auth/session';
import { listenDatabaseUrl } from '$lib/server/db/listen';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from '$lib/realtime/events';
import { registerHandlers } from './handlers';
import { maxSocketsPerSession, SocketQuota } from './limits';
import { cancelPresence, schedulePresence } from './presence';
import { currentIo, registerIo } from './revoke';
import { NotificationRelay } from './notification-relay';
import { MessageRelay } from './relay';
import { RoomKeeper } from './rooms';

export type TesseraIo = Server<
	ClientToServerEvents,
	ServerToClientEvents,
	Record<string, never>,
	SocketData
>;
export type TesseraSocket = Socket<
	ClientToServerEvents,
	ServerToClientEvents,
	Record<string, never>,
	SocketData
>;

const PARTS = Symbol.for('tessera.io.parts');
type Parts = {
	keeper: RoomKeeper;
	relay: MessageRelay;
	notificationRelay: NotificationRelay;
	adapterPool?: pg.Pool;
};
const store = globalThis as unknown as Record<symbol, Parts | undefined>;

/**
 * Rooms shared by every app process on the database, through LISTEN/NOTIFY. The adapter's own
 * pool logs in as the app role and acts as the system (it only notifies and, for broadcasts over
 * 8 kB, passes them through private.socket_io_attachments). REALTIME_ADAPTER=memory turns it off.
 */
function postgresAdapter() {
	const url = listenDatabaseUrl();
	if (!url || process.env.REALTIME_ADAPTER === 'memory') return undefined;
	const adapterPool = new pg.Pool({
		connectionString: url,
		max: Number(process.env.REALTIME_ADAPTER_POOL_SIZE ?? 4),
		application_name: 'tessera-realtime',
		// The role is set by a statement, not a startup parameter (`options: -c role=…`), which
		// poolers refuse; the pool hands a new client out only once this has run (a failure ends the
		// client and fails its connect, as a failed connection would).
		onConnect: async (client) => {
			await client.query('set role service_role');
		},
		connectionTimeoutMillis: 2000
	});
	ownClientErrors(adapterPool);
	return {
		adapterPool,
		adapter: createAdapter(adapterPool, {
			tableName: 'private.socket_io_attachments',
			errorHandler: (error) => console.error('Realtime adapter error:', error.message)
		})
	};
}

/**
 * The adapter keeps one pool client checked out for its LISTEN and reconnects (with a random
 * 1–3 s delay) when that client ends, but attaches no 'error' handler to it: a terminated backend
 * (57P01) would be an unhandled 'error' event and end the process. Every client of the pool gets
 * a handler here; a checked-out client that fails is given back to the pool as broken, so the
 * pool drops it (else each reconnect would leak one of its slots) and the adapter reconnects.
 */
function ownClientErrors(adapterPool: pg.Pool) {
	const checkedOut = new WeakSet<pg.PoolClient>();
	adapterPool.on('acquire', (client) => checkedOut.add(client));
	adapterPool.on('release', (_error, client) => checkedOut.delete(client));
	adapterPool.on('error', (error) =>
		console.error('Realtime adapter connection lost:', error.message)
	);
	adapterPool.on('connect', (client) => {
		const giveBack = (error: Error) => {
			if (!checkedOut.has(client)) return;
			checkedOut.delete(client);
			try {
				(client as pg.PoolClient).release(error);
			} catch {
				// Already given back.
			}
		};
		client.on('error', (error) => {
			console.error('Realtime adapter connection lost:', error.message);
			giveBack(error);
		});
		client.on('end', () => giveBack(new Error('The connection ended.')));
	});
}

/** Resolves once this process listens for membership changes (tests wait for it). */
export function socketServerReady(): Promise<void> {
	const parts = store[PARTS];
	return parts
		? Promise.all([
				parts.keeper.listening,
				parts.relay.listening,
				parts.notificationRelay.listening
			]).then(() => {})
		: Promise.resolve();
}

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
	const shared = postgresAdapter();
	const io: TesseraIo = new Server(httpServer, {
		path: '/socket.io',
		serveClient: false,
		maxHttpBufferSize: 64 * 1024,
		...(shared ? { adapter: shared.adapter } : {}),
		allowRequest: (request, callback) => {
			callback(
				isAllowedOrigin(request) ? null : 'This origin may not connect.',
				isAllowedOrigin(request)
			);
		}
	});

	const quota = new SocketQuota();
	io.use(async (socket, next) => {
		const token = parseCookies(socket.request.headers.cookie ?? '')[SESSION_COOKIE];
		if (!token) return next(new Error('Sign in first.'));
		try {
			const { session, user } = await validateSessionToken(token);
			if (!session) return next(new Error('Your session has ended. Sign in again.'));
			const limit = maxSocketsPerSession();
			if (!quota.take(session.id, socket.id, limit)) {
				const refusal = new Error(
					`This sign-in already has ${limit} live connections, the most it may have. Close another Tessera tab or window and reload.`
				) as Error & { data?: unknown };
				refusal.data = { code: 'too_many_connections', limit };
				return next(refusal);
			}
			socket.data = {
				userId: user.id,
				sessionId: session.id,
				displayName: user.displayName,
				endsAt: sessionEndsAt(session).getTime()
			};
			next();
		} catch (error) {
			console.error('Socket authentication failed', error);
			next(new Error('Could not check your session.'));
		}
	});

	const keeper = new RoomKeeper(io);
	const relay = new MessageRelay(io);
	const notificationRelay = new NotificationRelay(io);
	store[PARTS] = { keeper, relay, notificationRelay, adapterPool: shared?.adapterPool };

	io.on('connection', (socket) => {
		const { userId, sessionId, displayName } = socket.data;
		socket.on('whoami', (ack) => {
			if (typeof ack === 'function') ack({ userId, displayName });
		});
		quota.confirm(sessionId, socket.id);
		registerHandlers(io, socket);
		const expiry = watchSessionEnd(socket);
		socket.on('disconnect', () => {
			quota.release(sessionId, socket.id);
			expiry.stop();
			keeper.forget(userId);
		});
		socket.on('disconnecting', () => {
			// `rooms` is emptied by the time 'disconnect' runs; remember the groups now.
			for (const room of socket.rooms) {
				if (room.startsWith('group:')) schedulePresence(io, room.slice('group:'.length));
			}
		});
		// 'ready' means the socket is in every room it may be in: the client catches up from here.
		Promise.resolve(socket.join([`user:${userId}`, `session:${sessionId}`]))
			.then(() => keeper.join(socket))
			.then(() => {
				if (socket.connected) socket.emit('ready', { userId, displayName });
			})
			.catch((error) => {
				console.error('Could not join the socket to its rooms', error);
				socket.disconnect(true);
			});
	});

	registerIo(io);
	return io;
}

/** Longest a Node timer waits (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Disconnects a socket when its session ends by the clock (absolute or idle limit), as a page
 * request would then be refused. At that moment the session is checked again: if it was used
 * since (and so lives on), the watch is set for its new end. Sign-outs close sockets at once
 * (revoke.ts); this is for sessions nobody ended.
 */
function watchSessionEnd(socket: TesseraSocket) {
	let timer: ReturnType<typeof setTimeout> | undefined;
	let stopped = false;
	const arm = (endsAt: number) => {
		if (stopped) return;
		timer = setTimeout(check, Math.min(Math.max(endsAt - Date.now(), 250), MAX_TIMER_MS));
		timer.unref?.();
	};
	const check = async () => {
		try {
			const { session } = await validateSession(socket.data.sessionId);
			if (session) return arm(sessionEndsAt(session).getTime());
		} catch (error) {
			// The database did not answer: try again shortly rather than cut a live session.
			console.error('Could not check a socket’s session', error);
			return arm(Date.now() + 30_000);
		}
		socket.disconnect(true);
	};
	arm(socket.data.endsAt);
	return {
		stop() {
			stopped = true;
			clearTimeout(timer);
		}
	};
}

export async function closeSocketServer() {
	const io = currentIo();
	const parts = store[PARTS];
	registerIo(undefined);
	store[PARTS] = undefined;
	cancelPresence();
	await parts?.keeper.stop();
	await parts?.relay.stop();
	await parts?.notificationRelay.stop();
	if (io) await new Promise<void>((resolve) => io.close(() => resolve()));
	await parts?.adapterPool?.end().catch(() => {});
}
