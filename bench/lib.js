// @ts-check
// What the benchmark scripts share: a throw-away embedded Postgres migrated with the app's own
// runner, the app's real modules through Vite, the measuring loop with alternating rounds, and
// the report format. See bench/README.md.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createServer } from 'vite';
import { startEmbeddedPostgres } from '../src/lib/server/db/embedded.js';
import { appUrlFor, migrate, withDatabase } from '../src/lib/server/db/setup.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APP_PASSWORD = 'tessera_bench';
export const quick = process.env.BENCH_QUICK === '1';
export const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());

/** Whether BENCH_ONLY (a comma-separated list of name prefixes) asks for this benchmark. */
export const wanted = (/** @type {string} */ name) =>
	!only || only.some((prefix) => name.startsWith(prefix));

/** @typedef {{ ops: number, p50: number, p95: number, iterations: number, concurrency: number }} Figures */

/**
 * Runs `fn` `iterations` times with `concurrency` callers in flight.
 * @param {() => Promise<unknown>} fn
 * @returns {Promise<{ elapsed: number, latencies: number[] }>}
 */
export async function drive(fn, iterations, concurrency) {
	const latencies = new Array(iterations);
	let next = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			for (let i = next++; i < iterations; i = next++) {
				const t = performance.now();
				await fn();
				latencies[i] = performance.now() - t;
			}
		})
	);
	return { elapsed: performance.now() - started, latencies };
}

/** @param {number[]} sorted @param {number} q */
export const quantile = (sorted, q) =>
	sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/**
 * Alternates ours and the baseline in rounds (the order flips each round) so drift in the
 * machine's load hits both alike, then pools each side's figures.
 * @param {{ ours: () => Promise<unknown>, baseline: () => Promise<unknown>, iterations: number,
 *   concurrency: number, rounds: number, warmup: number }} options
 */
export async function compare({ ours, baseline, iterations, concurrency, rounds, warmup }) {
	await drive(baseline, warmup, concurrency);
	await drive(ours, warmup, concurrency);
	const sides = {
		ours: { elapsed: 0, latencies: /** @type {number[]} */ ([]) },
		baseline: { elapsed: 0, latencies: /** @type {number[]} */ ([]) }
	};
	const perRound = Math.ceil(iterations / rounds);
	for (let round = 0; round < rounds; round++) {
		const order =
			round % 2 === 0
				? /** @type {const} */ (['baseline', 'ours'])
				: /** @type {const} */ (['ours', 'baseline']);
		for (const side of order) {
			const result = await drive(side === 'ours' ? ours : baseline, perRound, concurrency);
			sides[side].elapsed += result.elapsed;
			sides[side].latencies.push(...result.latencies);
		}
	}
	const result = {
		ours: figures(sides.ours, concurrency),
		baseline: figures(sides.baseline, concurrency)
	};
	return { ...result, ratio: round2(result.ours.ops / result.baseline.ops) };
}

/**
 * @param {{ elapsed: number, latencies: number[] }} side
 * @param {number} concurrency
 * @returns {Figures}
 */
export function figures({ elapsed, latencies }, concurrency) {
	const sorted = latencies.sort((a, b) => a - b);
	return {
		ops: round2(sorted.length / (elapsed / 1000)),
		p50: round3(quantile(sorted, 0.5)),
		p95: round3(quantile(sorted, 0.95)),
		iterations: sorted.length,
		concurrency
	};
}

export const round2 = (/** @type {number} */ x) => Math.round(x * 100) / 100;
export const round3 = (/** @type {number} */ x) => Math.round(x * 1000) / 1000;

/** @param {Figures} f */
export const describe = (f) =>
	`${f.ops} ops/s p50=${f.p50}ms p95=${f.p95}ms (n=${f.iterations}, c=${f.concurrency})`;

/** @typedef {{ ours: Figures, baseline: Figures, ratio: number }} Comparison */

/**
 * Prints one benchmark (`BENCH <name> ratio=<x>`, what it measures, both sides' figures, the
 * target) and records it in `results`.
 * @param {Record<string, unknown>} results
 */
export function reporter(results) {
	/**
	 * @param {string} name @param {number | null} target (null: informational) @param {string} what
	 * @param {Comparison} result @param {Record<string, unknown>} [extra]
	 */
	return (name, target, what, result, extra = {}) => {
		const met = target === null ? null : result.ratio >= target;
		console.log(`BENCH ${name} ratio=${result.ratio.toFixed(2)}`);
		console.log(`  ${what}`);
		console.log(`  ours:     ${describe(result.ours)}`);
		console.log(`  baseline: ${describe(result.baseline)}`);
		if (target !== null) {
			console.log(`  target:   ratio >= ${target.toFixed(2)} (${met ? 'met' : 'MISSED'})`);
		}
		results[name] = { ...result, target, met, ...extra };
	};
}

/**
 * A throw-away embedded Postgres (fsync off) in a temporary folder, migrated with the app's
 * runner, with TESSERA_APP_DATABASE_URL pointing the app's pool at it. `stop` removes it all.
 */
export async function startDatabase() {
	const tmp = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
	// Postgres runs as its own user, which must be able to reach the data folder.
	chmodSync(tmp, 0o755);
	/** @type {Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined} */
	let pg;
	const stop = async () => {
		await pg?.stop().catch(() => {});
		rmSync(tmp, { recursive: true, force: true });
	};
	try {
		pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), fsync: false });
		const adminUrl = withDatabase(pg.url, 'postgres');
		await migrate(adminUrl, { appPassword: APP_PASSWORD });
		process.env.TESSERA_APP_DATABASE_URL = appUrlFor(adminUrl, APP_PASSWORD);
		process.env.TESSERA_JOBS_DATABASE_URL = adminUrl;
		return { adminUrl, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}

/** A connection pool as the tables' owner (a superuser: row-level security does not apply). */
export const ownerPool = (/** @type {string} */ adminUrl) =>
	postgres(adminUrl, { max: 10, onnotice: () => {} });

/**
 * Vite in middleware mode, to load the app's real modules (TypeScript and $lib aliases included)
 * with `ssrLoadModule`.
 */
export function appModules() {
	return createServer({
		root,
		configFile: false,
		logLevel: 'error',
		appType: 'custom',
		server: { middlewareMode: true, hmr: false, watch: null },
		resolve: { alias: { $lib: path.join(root, 'src/lib') } },
		optimizeDeps: { noDiscovery: true, include: [] }
	});
}

/** @param {postgres.Sql} owner */
export async function machine(owner) {
	const [{ version }] = await owner`select current_setting('server_version') as version`;
	return {
		node: process.version,
		postgres: version,
		cpus: os.cpus().length,
		platform: `${os.platform()} ${os.arch()}`
	};
}

/** Writes `out` to bench/results/<file> and returns the path relative to the project. */
export function writeResults(/** @type {string} */ file, /** @type {unknown} */ out) {
	mkdirSync(path.join(root, 'bench/results'), { recursive: true });
	writeFileSync(path.join(root, 'bench/results', file), JSON.stringify(out, null, '\t') + '\n');
	return `bench/results/${file}`;
}
