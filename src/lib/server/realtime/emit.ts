import type { ServerToClientEvents } from '$lib/realtime/events';
import { currentIo } from './revoke';

/**
 * Every server-side push goes through these two helpers, typed by the event map. Through the
 * Postgres adapter they reach the sockets of every app process. Without a socket server (a
 * script, a test of the domain alone) they do nothing.
 */
export function emitToGroup<E extends keyof ServerToClientEvents>(
	groupId: string,
	event: E,
	...args: Parameters<ServerToClientEvents[E]>
) {
	emitToRoom(`group:${groupId}`, event, args);
}

/**
 * To everyone reading a channel: its group's room, or a direct conversation's own room
 * (`conversation:<channel id>`, joined by its members).
 */
export function emitToChannel<E extends keyof ServerToClientEvents>(
	channel: { groupId: string | null; channelId: string },
	event: E,
	...args: Parameters<ServerToClientEvents[E]>
) {
	emitToRoom(channelRoom(channel), event, args);
}

export function channelRoom(channel: { groupId: string | null; channelId: string }): string {
	return channel.groupId ? `group:${channel.groupId}` : `conversation:${channel.channelId}`;
}

export function emitToUser<E extends keyof ServerToClientEvents>(
	userId: string,
	event: E,
	...args: Parameters<ServerToClientEvents[E]>
) {
	emitToRoom(`user:${userId}`, event, args);
}

function emitToRoom<E extends keyof ServerToClientEvents>(
	room: string,
	event: E,
	args: Parameters<ServerToClientEvents[E]>
) {
	const io = currentIo();
	if (!io) return;
	(io.to(room).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
}
