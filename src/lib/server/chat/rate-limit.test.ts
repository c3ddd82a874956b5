import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
	it('allows a burst, then one per refill interval, and says how long to wait', () => {
		const limiter = new RateLimiter(3, 2);
		const t = 1_000_000;
		expect([limiter.take('a', t), limiter.take('a', t), limiter.take('a', t)]).toEqual([0, 0, 0]);
		expect(limiter.take('a', t)).toBe(500);
		expect(limiter.take('a', t + 250)).toBe(250);
		expect(limiter.take('a', t + 500)).toBe(0);
		expect(limiter.take('a', t + 500)).toBe(500);
	});

	it('keeps people apart and never saves up more than the burst', () => {
		const limiter = new RateLimiter(2, 1);
		const t = 5_000;
		expect([limiter.take('a', t), limiter.take('a', t), limiter.take('b', t)]).toEqual([0, 0, 0]);
		expect(limiter.take('a', t)).toBeGreaterThan(0);
		const later = t + 60_000;
		expect([limiter.take('a', later), limiter.take('a', later)]).toEqual([0, 0]);
		expect(limiter.take('a', later)).toBeGreaterThan(0);
	});

	it('gives a token back for work that cost nothing, up to the burst', () => {
		const limiter = new RateLimiter(1, 1);
		expect(limiter.take('a', 0)).toBe(0);
		expect(limiter.take('a', 0)).toBeGreaterThan(0);
		limiter.refund('a');
		expect(limiter.take('a', 0)).toBe(0);
		limiter.refund('a');
		limiter.refund('a');
		expect([limiter.take('a', 0), limiter.take('a', 0) > 0]).toEqual([0, true]);
	});
});
