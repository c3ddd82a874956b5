/** Sockets one session may hold open at once in this process (SOCKETS_PER_SESSION, default 10). */
export function maxSocketsPerSession(): number {
	const configured = Number(process.env.SOCKETS_PER_SESSION);
	return Number.isInteger(configured) && configured > 0 ? configured : 10;
}

// A place taken by a handshake that never finished connecting is given back after this long.
const UNCONFIRMED_MS = 10_000;

/**
 * Places for sockets, per session. A place is taken in the handshake (synchronously, so a burst
 * of connections cannot all pass the count) and given back on disconnect.
 */
export class SocketQuota {
	private readonly bySession = new Map<string, Map<string, { at: number; confirmed: boolean }>>();

	/** Takes a place for `socketId`, or answers false when the session has none left. */
	take(sessionId: string, socketId: string, limit: number, now = Date.now()): boolean {
		const held = this.bySession.get(sessionId) ?? new Map();
		for (const [id, place] of held) {
			if (!place.confirmed && now - place.at > UNCONFIRMED_MS) held.delete(id);
		}
		if (held.size >= limit) return false;
		held.set(socketId, { at: now, confirmed: false });
		this.bySession.set(sessionId, held);
		return true;
	}

	/** The socket connected: its place is held until it disconnects. */
	confirm(sessionId: string, socketId: string) {
		const place = this.bySession.get(sessionId)?.get(socketId);
		if (place) place.confirmed = true;
	}

	release(sessionId: string, socketId: string) {
		const held = this.bySession.get(sessionId);
		held?.delete(socketId);
		if (held?.size === 0) this.bySession.delete(sessionId);
	}
}
