import PgBoss from 'pg-boss';

/**
 * pg-boss keeps its queue in its own schema (`pgboss`) and needs DDL there (each queue is a
 * partition it creates), so it connects with the migration credentials, not as `tessera_app`.
 * It never reads or writes the app's tables: job handlers do their work through the app pool
 * (`asService`/`withUser`), under the same policies as everything else.
 */
const BOSS = Symbol.for('tessera.jobs.boss');
const store = globalThis as unknown as Record<symbol, Promise<PgBoss> | undefined>;

export type JobHandler<T extends object> = (data: T, job: PgBoss.Job<T>) => Promise<void>;

export type QueueDefinition = {
	/** Lowercase words separated by dashes. */
	name: string;
	/**
	 * `standard` runs every job; `stately` keeps at most one waiting and one running job per
	 * singletonKey (a debounced refresh); `short` keeps at most one waiting job per key.
	 */
	policy?: 'standard' | 'short' | 'singleton' | 'stately';
	/** Retries with backoff before a job is marked failed (default 3). */
	retryLimit?: number;
};

export type Queue<T extends object> = QueueDefinition & {
	send(data: T, options?: PgBoss.SendOptions): Promise<string | null>;
};

function jobsDatabaseUrl() {
	const url = process.env.TESSERA_JOBS_DATABASE_URL ?? process.env.DATABASE_URL;
	if (!url) {
		throw new Error(
			'TESSERA_JOBS_DATABASE_URL is not set: start the app with `npm run dev` or `npm start`.'
		);
	}
	return url;
}

/** The running job queue of this process, started on first use. */
export function boss(): Promise<PgBoss> {
	store[BOSS] ??= (async () => {
		const instance = new PgBoss({
			connectionString: jobsDatabaseUrl(),
			schema: 'pgboss',
			max: Number(process.env.JOBS_POOL_SIZE ?? 4),
			application_name: 'tessera-jobs'
		});
		instance.on('error', (error) => console.error('Job queue error:', error.message));
		await instance.start();
		return instance;
	})();
	const started = store[BOSS];
	started.catch(() => {
		if (store[BOSS] === started) store[BOSS] = undefined;
	});
	return started;
}

const created = new WeakMap<PgBoss, Map<string, Promise<void>>>();

/**
 * Creates the queue once per process: concurrent first sends share one creation (two
 * `createQueue` calls at once for one queue can deadlock in the database).
 */
function ensureQueue(queue: PgBoss, definition: QueueDefinition): Promise<void> {
	let known = created.get(queue);
	if (!known) created.set(queue, (known = new Map()));
	let creating = known.get(definition.name);
	if (!creating) {
		creating = queue.createQueue(definition.name, {
			name: definition.name,
			policy: definition.policy ?? 'standard',
			retryLimit: definition.retryLimit ?? 3,
			retryBackoff: true
		});
		known.set(definition.name, creating);
		creating.catch(() => known.delete(definition.name));
	}
	return creating;
}

/**
 * A named queue. Domain modules declare their queues at top level and `send` to them; the job
 * runner (jobs/index.ts) registers the handlers. The queue is created on first use, with its
 * policy, by whichever process uses it first.
 */
export function defineQueue<T extends object>(definition: QueueDefinition): Queue<T> {
	return {
		...definition,
		async send(data, options = {}) {
			const queue = await boss();
			await ensureQueue(queue, definition);
			// singletonKey on a stately/short queue makes a repeat a no-op while one waits.
			return queue.send(definition.name, data, options);
		}
	};
}

/** Starts taking the queue's jobs in this process, one at a time per worker. */
export async function work<T extends object>(
	definition: QueueDefinition,
	handler: JobHandler<T>,
	options: { pollingIntervalSeconds?: number } = {}
) {
	const queue = await boss();
	await ensureQueue(queue, definition);
	await queue.work<T>(
		definition.name,
		{ pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1, batchSize: 1 },
		async ([job]) => {
			await handler(job.data, job);
		}
	);
}

/**
 * Sends a job to the queue on a cron schedule (UTC), once across all processes. pg-boss keeps one
 * schedule per queue, and its clock ticks once a minute: for per-row cadences, schedule a
 * minutely "find what is due" job and let it send the work.
 */
export async function schedule<T extends object>(
	definition: QueueDefinition,
	cron: string,
	data: T
) {
	const queue = await boss();
	await ensureQueue(queue, definition);
	await queue.schedule(definition.name, cron, data);
}

/** Stops this process's workers, letting running jobs finish for up to `timeout` ms. */
export async function stopBoss(timeout = 10_000) {
	const started = store[BOSS];
	store[BOSS] = undefined;
	if (!started) return;
	const instance = await started.catch(() => undefined);
	await instance?.stop({ graceful: true, timeout, wait: true });
}
