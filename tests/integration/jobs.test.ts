import { afterAll, describe, expect, it } from 'vitest';
import { defineQueue, schedule } from '$lib/server/jobs';
import { boss, stopBoss, work } from '$lib/server/jobs/boss';
import { asService } from '$lib/server/db';
import { ownerDb } from './helpers';

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > until) throw new Error('timed out waiting');
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

afterAll(async () => {
	await stopBoss();
});

describe('background jobs (pg-boss)', () => {
	it('runs a queued job once, in a worker that does its work through the app pool', async () => {
		const seen: string[] = [];
		const queue = defineQueue<{ word: string }>({ name: 'test-echo' });
		await work<{ word: string }>(queue, async ({ word }) => {
			const [row] = await asService(
				(tx) => tx<{ upper: string }[]>`select upper(${word}) as upper`
			);
			seen.push(row.upper);
		});
		const id = await queue.send({ word: 'héllo' });
		expect(id).toMatch(/^[0-9a-f-]{36}$/);
		await waitFor(async () => (seen.length ? seen : undefined));
		expect(seen).toEqual(['HÉLLO']);
	});

	it('keeps one waiting job per key on a stately queue (a debounced refresh)', async () => {
		const queue = defineQueue<{ n: number }>({ name: 'test-debounce', policy: 'stately' });
		const first = await queue.send({ n: 1 }, { singletonKey: 'group-1', startAfter: 60 });
		const second = await queue.send({ n: 2 }, { singletonKey: 'group-1', startAfter: 60 });
		const other = await queue.send({ n: 3 }, { singletonKey: 'group-2', startAfter: 60 });
		expect(first).not.toBeNull();
		expect(second).toBeNull();
		expect(other).not.toBeNull();
		expect(await (await boss()).getQueueSize('test-debounce')).toBe(2);
	});

	it('retries a failing job and then gives up, leaving it failed', async () => {
		let attempts = 0;
		const queue = defineQueue<object>({ name: 'test-fail', retryLimit: 1 });
		await work<object>(queue, async () => {
			attempts += 1;
			throw new Error('boom');
		});
		const id = await queue.send({}, { retryDelay: 0, retryBackoff: false });
		const state = await waitFor(async () => {
			const [row] = await ownerDb()<{ state: string }[]>`
				select state from pgboss.job where id = ${id}
				union all select state from pgboss.archive where id = ${id}`;
			return row?.state === 'failed' ? row.state : undefined;
		});
		expect(state).toBe('failed');
		expect(attempts).toBe(2);
	});

	it('refuses a malformed cron expression', async () => {
		const queue = defineQueue<object>({ name: 'test-cron' });
		await expect(schedule(queue, 'every minute please', {})).rejects.toThrow();
		await schedule(queue, '*/5 * * * *', {});
		const [row] = await ownerDb()<{ cron: string }[]>`
			select cron from pgboss.schedule where name = 'test-cron'`;
		expect(row.cron).toBe('*/5 * * * *');
	});
});
