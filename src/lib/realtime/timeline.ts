import { DEFAULT_TIME_ZONE, toLocalDateInput } from '$lib/time';
import type { Message } from './events';

/**
 * A channel's messages as the client holds them: ascending by seq, one entry per seq. Live
 * events, acks, catch-up and history pages all arrive through `mergeMessages`, so a message that
 * comes twice (the ack and the broadcast, or a catch-up after a reconnect) is shown once, and a
 * later version (edited, deleted, reacted to) replaces the earlier one.
 */
export function mergeMessages(
	current: readonly Message[],
	incoming: readonly Message[]
): Message[] {
	if (incoming.length === 0) return current as Message[];
	const bySeq = new Map<number, Message>();
	for (const message of current) bySeq.set(message.seq, message);
	for (const message of incoming) {
		const known = bySeq.get(message.seq);
		bySeq.set(message.seq, known ? newer(known, message) : message);
	}
	return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The later of two versions of one message: a delete wins, then the later edit, then the incoming one. */
function newer(known: Message, incoming: Message): Message {
	if (known.deletedAt && !incoming.deletedAt) return known;
	if (incoming.deletedAt && !known.deletedAt) return incoming;
	// An older text may come with newer reactions and thread counts: keep those.
	const current = {
		reactions: incoming.reactions,
		replyCount: incoming.replyCount,
		lastReplyAt: incoming.lastReplyAt
	};
	if (known.editedAt && incoming.editedAt && known.editedAt > incoming.editedAt) {
		return { ...known, ...current };
	}
	if (known.editedAt && !incoming.editedAt) return { ...known, ...current };
	return incoming;
}

/** Marks a message deleted in place (the seq stays, so the timeline keeps no gap). */
export function markDeleted(current: readonly Message[], id: string): Message[] {
	return current.map((message) =>
		message.id === id
			? {
					...message,
					body: '',
					attachment: null,
					deletedAt: message.deletedAt ?? nowIso()
				}
			: message
	);
}

export function withReactions(
	current: readonly Message[],
	messageId: string,
	reactions: Message['reactions'],
	me: string
): Message[] {
	return current.map((message) =>
		message.id === messageId
			? {
					...message,
					reactions: reactions.map((reaction) => ({
						...reaction,
						mine: reaction.userIds ? reaction.userIds.includes(me) : reaction.mine
					}))
				}
			: message
	);
}

/** The highest seq held, or `fallback` when nothing is held yet. */
export function lastSeqOf(messages: readonly Message[], fallback = 0): number {
	return messages.length ? Math.max(fallback, messages[messages.length - 1].seq) : fallback;
}

/** Whether consecutive messages by one author within 5 minutes are shown as one block. */
export function continues(previous: Message | undefined, message: Message): boolean {
	if (!previous || previous.author.id !== message.author.id) return false;
	if (previous.deletedAt || message.deletedAt) return false;
	return Date.parse(message.createdAt) - Date.parse(previous.createdAt) < 5 * 60_000;
}

/** How long a retry waits: 0.5 s, 1 s, 2 s … up to 10 s, with a little jitter. */
export function backoff(attempt: number): number {
	const base = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));
	return base + Math.floor(Math.random() * 250);
}

/** "Today", "Yesterday" or the date, by the calendar of the zone (the person's: src/lib/time.ts). */
export function dayLabel(iso: string, now = new Date(), zone = DEFAULT_TIME_ZONE): string {
	const date = new Date(iso);
	const day = toLocalDateInput(date, zone);
	const today = toLocalDateInput(now, zone);
	const days = Math.round((Date.parse(today) - Date.parse(day)) / 86_400_000);
	if (days === 0) return 'Today';
	if (days === 1) return 'Yesterday';
	return new Intl.DateTimeFormat('en-GB', {
		weekday: 'long',
		day: 'numeric',
		month: 'long',
		year: day.slice(0, 4) === today.slice(0, 4) ? undefined : 'numeric',
		timeZone: zone
	}).format(date);
}

export function nowIso(): string {
	return new Date().toISOString();
}
