import type { Person } from '$lib/realtime/types';
import { emitToGroup } from './emit';
import type { TesseraIo } from './server';

const PRESENCE_DEBOUNCE_MS = 300;
// The list goes to everyone online in the group, so its cost grows with the square of their
// number: a big group hears about arrivals less often (1,000 online: every 10 s at most).
const PER_ONLINE_MS = 10;
const MAX_DELAY_MS = 15_000;
const pending = new Map<string, NodeJS.Timeout>();

/** Who is online in a group: one entry per person, across every app process. */
export async function onlineIn(io: TesseraIo, groupId: string): Promise<Person[]> {
	const sockets = await io.in(`group:${groupId}`).fetchSockets();
	const people = new Map<string, Person>();
	for (const socket of sockets) {
		people.set(socket.data.userId, {
			id: socket.data.userId,
			displayName: socket.data.displayName
		});
	}
	return [...people.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/**
 * Tells a group who is online, once things settle: a burst of connections (a class opening the
 * page at nine) costs one broadcast per group, not one per connection.
 */
export function schedulePresence(io: TesseraIo, groupId: string) {
	if (pending.has(groupId)) return;
	const here = io.of('/').adapter.rooms.get(`group:${groupId}`)?.size ?? 0;
	const delay = Math.min(MAX_DELAY_MS, Math.max(PRESENCE_DEBOUNCE_MS, here * PER_ONLINE_MS));
	const timer = setTimeout(() => {
		pending.delete(groupId);
		onlineIn(io, groupId)
			.then((online) => emitToGroup(groupId, 'presence', { groupId, online }))
			.catch((error) => console.error('Presence broadcast failed', error));
	}, delay);
	timer.unref();
	pending.set(groupId, timer);
}

export function cancelPresence() {
	for (const timer of pending.values()) clearTimeout(timer);
	pending.clear();
}
