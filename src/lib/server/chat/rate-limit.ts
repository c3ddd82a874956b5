/**
 * A token bucket per key, in this process's memory: `burst` sends at once, then `perSecond`.
 * Two app processes each keep their own buckets, so a person spreading sockets over both gets
 * at most twice the rate (decisions.md, Chat rate limit).
 */
export class RateLimiter {
	private readonly buckets = new Map<string, { tokens: number; at: number }>();

	constructor(
		readonly burst: number,
		readonly perSecond: number
	) {}

	/** Takes a token for `key`: 0 when allowed, else the milliseconds until one is free. */
	take(key: string, now = Date.now()): number {
		const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
		bucket.tokens = Math.min(
			this.burst,
			bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond
		);
		bucket.at = now;
		if (bucket.tokens >= 1) {
			bucket.tokens -= 1;
			this.buckets.set(key, bucket);
			if (this.buckets.size > 50_000) this.sweep(now);
			return 0;
		}
		this.buckets.set(key, bucket);
		return Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000);
	}

	/** Gives back a token taken for work that turned out to cost nothing (a retried send). */
	refund(key: string) {
		const bucket = this.buckets.get(key);
		if (bucket) bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
	}

	/** Forgets full buckets: they are the same as no bucket. */
	private sweep(now: number) {
		for (const [key, bucket] of this.buckets) {
			if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst) {
				this.buckets.delete(key);
			}
		}
	}
}
