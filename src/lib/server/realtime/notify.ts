import type { ServerToClientEvents } from '$lib/realtime/events';
import { currentIo } from './revoke';

/** Emits one typed event to every device of these people (their `user:<id>` rooms); a no-op without a socket server. */
export function emitToUsers<E extends keyof ServerToClientEvents>(
	userIds: string[],
	event: E,
	...payload: Parameters<ServerToClientEvents[E]>
) {
	const io = currentIo();
	if (!io || userIds.length === 0) return;
	io.to(userIds.map((id) => `user:${id}`)).emit(event, ...payload);
}
