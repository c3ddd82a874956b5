import type { Server } from 'socket.io';

const IO = Symbol.for('tessera.io');

export function registerIo(io: Server | undefined) {
	(globalThis as Record<symbol, unknown>)[IO] = io;
}

export function currentIo(): Server | undefined {
	return (globalThis as Record<symbol, Server | undefined>)[IO];
}

/** Sockets join `session:<id>` and `user:<id>` on connect, so revoking a session closes its sockets. */
export function closeSocketsOfSessions(sessionIds: string[]) {
	const io = currentIo();
	if (!io || sessionIds.length === 0) return;
	io.in(sessionIds.map((id) => `session:${id}`)).disconnectSockets(true);
}

export function closeSocketsOfUser(userId: string) {
	currentIo()?.in(`user:${userId}`).disconnectSockets(true);
}
