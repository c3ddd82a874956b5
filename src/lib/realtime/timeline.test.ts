import { describe, expect, it } from 'vitest';
import type { Message } from './events';
import {
	backoff,
	continues,
	dayLabel,
	lastSeqOf,
	markDeleted,
	mergeMessages,
	withReactions
} from './timeline';

const ADA = { id: 'a', displayName: 'Ada' };
const BO = { id: 'b', displayName: 'Bo' };

function message(seq: number, extra: Partial<Message> = {}): Message {
	return {
		id: `m${seq}`,
		channelId: 'c',
		groupId: 'g',
		seq,
		author: ADA,
		clientId: `client-${seq}`,
		body: `message ${seq}`,
		attachment: null,
		reactions: [],
		editedAt: null,
		deletedAt: null,
		createdAt: new Date(2026, 10, 22, 10, 0, seq).toISOString(),
		threadRootId: null,
		alsoInChannel: false,
		replyCount: 0,
		lastReplyAt: null,
		...extra
	};
}

describe('mergeMessages', () => {
	it('keeps one message per seq in ascending order whatever the arrival order', () => {
		const merged = mergeMessages(
			[message(3), message(1)].sort((a, b) => a.seq - b.seq),
			[message(2), message(3), message(5), message(4), message(1)]
		);
		expect(merged.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
	});

	it('shows an ack and a broadcast of the same message once', () => {
		const once = mergeMessages([], [message(7)]);
		expect(mergeMessages(once, [message(7)])).toHaveLength(1);
	});

	it('keeps an edit over an older copy that arrives late, but takes its reactions', () => {
		const edited = message(1, { body: 'edited', editedAt: '2026-11-22T10:05:00.000Z' });
		const stale = message(1, {
			reactions: [{ emoji: '👍', count: 1, mine: false, userIds: ['b'] }]
		});
		const [merged] = mergeMessages([edited], [stale]);
		expect(merged.body).toBe('edited');
		expect(merged.reactions).toHaveLength(1);
	});

	it('never brings a deleted message back', () => {
		const deleted = markDeleted([message(1)], 'm1');
		const [merged] = mergeMessages(deleted, [message(1)]);
		expect(merged.deletedAt).not.toBeNull();
		expect(merged.body).toBe('');
	});
});

describe('timeline helpers', () => {
	it('works out "mine" on reactions from the user ids in a broadcast', () => {
		const [m] = withReactions(
			[message(1)],
			'm1',
			[{ emoji: '🎉', count: 2, mine: false, userIds: ['a', 'b'] }],
			'a'
		);
		expect(m.reactions[0].mine).toBe(true);
	});

	it('knows the last seq held', () => {
		expect(lastSeqOf([], 4)).toBe(4);
		expect(lastSeqOf([message(1), message(9)])).toBe(9);
	});

	it('groups consecutive messages by one author within five minutes', () => {
		expect(continues(message(1), message(2))).toBe(true);
		expect(continues(message(1), message(2, { author: BO }))).toBe(false);
		expect(continues(message(1), message(2, { createdAt: '2026-11-22T11:00:00.000Z' }))).toBe(
			false
		);
	});

	it('backs off exponentially up to about ten seconds', () => {
		expect(backoff(0)).toBeLessThan(800);
		expect(backoff(3)).toBeGreaterThanOrEqual(4000);
		expect(backoff(50)).toBeLessThanOrEqual(10_250);
	});
});

describe('dayLabel', () => {
	it('splits days by the person’s calendar, not the server’s', () => {
		const now = new Date('2026-12-07T01:00:00Z');
		expect(dayLabel('2026-12-06T23:30:00Z', now, 'UTC')).toBe('Yesterday');
		expect(dayLabel('2026-12-06T23:30:00Z', now, 'Pacific/Auckland')).toBe('Today');
		expect(dayLabel('2026-12-04T12:00:00Z', now, 'UTC')).toBe('Friday 4 December');
		expect(dayLabel('2025-12-04T12:00:00Z', now, 'UTC')).toBe('Thursday, 4 December 2025');
	});
});
