import type { ErrorBody, Result } from '$lib/realtime/events';
import * as chat from '$lib/server/chat';
import { RateLimiter } from '$lib/server/chat/rate-limit';
import { isConnectionFailure } from '$lib/server/db';
import { DomainError, NOT_FOUND_MESSAGE } from '$lib/server/errors';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/chat';
import { channelRoom } from './emit';
import { onlineIn } from './presence';
import type { TesseraIo, TesseraSocket } from './server';

/**
 * Any event at all, per person (all their sockets share it, so opening more sockets buys no
 * more): enough for a busy client, not for a loop hammering the database.
 */
const eventLimiter = new RateLimiter(
	Number(process.env.SOCKET_EVENT_BURST ?? 100),
	Number(process.env.SOCKET_EVENTS_PER_SECOND ?? 50)
);
const TYPING_EVERY_MS = 2000;
/** When each person last announced typing in a channel, from any of their sockets. */
const lastTyping = new Map<string, number>();

/** A channel never changes room, so the mapping is cached; access is still checked per event. */
const channelRooms = new Map<string, string>();

export function toErrorBody(error: unknown): ErrorBody {
	if (error instanceof DomainError) {
		return {
			code: error.code,
			message: error.message,
			...(error.retryAfterSeconds ? { retryAfterMs: error.retryAfterSeconds * 1000 } : {})
		};
	}
	if (isConnectionFailure(error)) {
		// Nothing was stored (or a retry with the same client id returns what was): send again.
		return {
			code: 'unavailable',
			message: 'The database is not answering. Retrying…',
			retryAfterMs: 1000
		};
	}
	console.error('Socket event failed', error);
	return { code: 'internal', message: 'Something went wrong on our side. Try again.' };
}

type Handler = (input: unknown) => Promise<object>;
type LooseSocket = { on(event: string, listener: (...args: unknown[]) => void): void };

/** Registers an event whose last argument is an ack; every outcome, even a bad frame, is answered. */
function answer(socket: TesseraSocket, event: string, handler: Handler) {
	(socket as unknown as LooseSocket).on(event, (...args: unknown[]) => {
		const ack = typeof args.at(-1) === 'function' ? (args.pop() as (result: Result) => void) : null;
		handler(args[0]).then(
			(result) => ack?.({ ok: true, ...result }),
			(error) => ack?.({ ok: false, error: toErrorBody(error) })
		);
	});
}

export function registerHandlers(io: TesseraIo, socket: TesseraSocket) {
	const { userId, displayName } = socket.data;
	const actor = { id: userId };

	socket.use(([event, ...args], next) => {
		const wait = eventLimiter.take(userId);
		if (wait === 0) return next();
		const ack = args.at(-1);
		if (typeof ack === 'function') {
			ack({
				ok: false,
				error: {
					code: 'rate_limited',
					message: 'Too many requests: slow down.',
					retryAfterMs: wait
				}
			});
		}
		// Dropped without an error event: the client already has its answer.
		void event;
	});

	/** The room of a channel the person may read now (their socket is in it). */
	async function roomOfReadable(channelId: string): Promise<string> {
		let room = channelRooms.get(channelId);
		if (!room) {
			room = channelRoom({ groupId: await chat.channelGroup(actor, channelId), channelId });
			if (channelRooms.size > 100_000) channelRooms.clear();
			channelRooms.set(channelId, room);
		}
		if (!socket.rooms.has(room)) {
			throw new DomainError(404, 'not_found', NOT_FOUND_MESSAGE);
		}
		return room;
	}

	// One socket's sends are stored in the order it sent them (a person typing fast keeps order).
	let sending: Promise<unknown> = Promise.resolve();
	answer(socket, 'message:send', (input) => {
		const result = sending.then(() => chat.send(actor, input, 'socket'));
		sending = result.catch(() => {});
		return result.then(({ message }) => ({ message }));
	});
	answer(socket, 'message:edit', async (input) => ({
		message: await chat.edit(actor, input, 'socket')
	}));
	answer(socket, 'message:delete', async (input) => {
		await chat.remove(actor, input, 'socket');
		return {};
	});
	answer(socket, 'reaction:toggle', (input) => chat.react(actor, input, 'socket'));
	answer(socket, 'channel:catchup', (input) => chat.catchup(actor, input));
	answer(socket, 'channel:history', (input) => chat.history(actor, input));
	answer(socket, 'channel:search', (input) => chat.search(actor, input));
	answer(socket, 'channel:read', async (input) => chat.markRead(actor, input));
	answer(socket, 'thread:open', (input) => chat.thread(actor, input));
	answer(socket, 'thread:follow', (input) => chat.follow(actor, input, 'socket'));
	answer(socket, 'channel:mentionables', async (input) => {
		const { channelId } = parse(schemas.channelRef, input);
		return chat.mentionables(actor, channelId);
	});
	answer(socket, 'presence:list', async (input) => {
		const { groupId } = parse(schemas.groupRef, input);
		if (!socket.rooms.has(`group:${groupId}`)) {
			throw new DomainError(404, 'not_found', NOT_FOUND_MESSAGE);
		}
		return { online: await onlineIn(io, groupId) };
	});

	answer(socket, 'typing', async (input) => {
		const { channelId } = parse(schemas.channelRef, input);
		const now = Date.now();
		const key = `${userId}:${channelId}`;
		if (now - (lastTyping.get(key) ?? 0) < TYPING_EVERY_MS) return {};
		lastTyping.set(key, now);
		if (lastTyping.size > 100_000) lastTyping.clear();
		const room = await roomOfReadable(channelId);
		socket.to(room).emit('typing', { channelId, user: { id: userId, displayName } });
		return {};
	});
}
