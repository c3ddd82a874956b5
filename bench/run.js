// @ts-check
// Benchmarks with in-run baselines (DESIGN.md §9): each one measures the app's code path and a
// baseline doing the same work without the app's cost, in the same run on the same database,
// and reports ours/baseline throughput. See bench/README.md.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createServer } from 'vite';
import { startEmbeddedPostgres } from '../src/lib/server/db/embedded.js';
import { appUrlFor, migrate, withDatabase } from '../src/lib/server/db/setup.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APP_PASSWORD = 'tessera_bench';
const quick = process.env.BENCH_QUICK === '1';
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());

const SCALE = {
	users: 15_000,
	targetLearners: 5_000,
	otherEnrolments: 15_000,
	courses: 20
};

/** @typedef {{ ops: number, p50: number, p95: number, iterations: number, concurrency: number }} Figures */

/**
 * Runs `fn` `iterations` times with `concurrency` callers in flight.
 * @param {() => Promise<unknown>} fn
 * @returns {Promise<{ elapsed: number, latencies: number[] }>}
 */
async function drive(fn, iterations, concurrency) {
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
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/**
 * Alternates ours and the baseline in rounds (the order flips each round) so drift in the
 * machine's load hits both alike, then pools each side's figures.
 * @param {{ ours: () => Promise<unknown>, baseline: () => Promise<unknown>, iterations: number,
 *   concurrency: number, rounds: number, warmup: number }} options
 */
async function compare({ ours, baseline, iterations, concurrency, rounds, warmup }) {
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
	/** @returns {Figures} */
	const figures = ({ elapsed, latencies }) => {
		const sorted = latencies.sort((a, b) => a - b);
		return {
			ops: round2(sorted.length / (elapsed / 1000)),
			p50: round3(quantile(sorted, 0.5)),
			p95: round3(quantile(sorted, 0.95)),
			iterations: sorted.length,
			concurrency
		};
	};
	const result = { ours: figures(sides.ours), baseline: figures(sides.baseline) };
	return { ...result, ratio: round2(result.ours.ops / result.baseline.ops) };
}

const round2 = (/** @type {number} */ x) => Math.round(x * 100) / 100;
const round3 = (/** @type {number} */ x) => Math.round(x * 1000) / 1000;

/** @param {Figures} f */
const describe = (f) =>
	`${f.ops} ops/s p50=${f.p50}ms p95=${f.p95}ms (n=${f.iterations}, c=${f.concurrency})`;

/**
 * One organisation of 12 courses and another of 8; the measured course has 5,000 learners (2% of
 * them suspended), 4 assistants and its instructor, who also teaches two other courses; the other
 * 19 courses share 15,000 more enrolments, overlapping the measured course's learners.
 * @param {postgres.Sql} sql the owner
 */
export async function generate(sql) {
	await sql.begin(async (tx) => {
		await tx`
			create temporary table bench_people on commit drop as
			with names as (
				select array['Ada','Ben','Chloé','Dmitri','Elif','Farah','Gustav','Hana','Ines','Jonas',
				             'Kofi','Lena','Mateo','Nadia','Oskar','Priya','Quentin','Rosa','Sven','Tariq',
				             'Uma','Viktor','Wen','Ximena','Yusuf','Zoë'] as first,
				       array['Abara','Berg','Costa','Dubois','Eriksen','Fischer','García','Haddad','Ito',
				             'Jansen','Kowalski','Lindqvist','Moreau','Nakamura','Okafor','Petrov','Quinn',
				             'Rossi','Schmidt','Tanaka','Ulrich','Varga','Weber','Xu','Yilmaz','Zhang'] as last
			)
			select g as n,
			       gen_random_uuid() as id,
			       format('person%s@bench.example', g) as email,
			       format('%s %s', first[1 + abs(hashint4(g)) % 26], last[1 + abs(hashint4(g * 7 + 1)) % 26]) as display_name
			from generate_series(1, ${SCALE.users}) g, names`;
		await tx`
			insert into public.users (id, email, display_name, created_at)
			select id, email, display_name, now() - make_interval(days => n % 900) from bench_people`;
		await tx`
			insert into public.users (email, display_name) values
				('instructor@bench.example', 'Iris Instructor'),
				('admin-a@bench.example', 'Orla Admin'),
				('admin-b@bench.example', 'Pavel Admin')`;
		await tx`
			insert into public.organisations (name, slug) values
				('Northbridge College', 'northbridge'), ('Southfield Academy', 'southfield')`;
		await tx`
			insert into public.organisation_members (organisation_id, user_id, role)
			select o.id, u.id, 'admin' from public.organisations o
			join public.users u on u.email = case o.slug when 'northbridge' then 'admin-a@bench.example' else 'admin-b@bench.example' end`;
		await tx`
			insert into public.courses (organisation_id, code, name)
			select o.id, format('C%s', lpad(g::text, 3, '0')), format('Course %s', g)
			from generate_series(1, ${SCALE.courses}) g
			join public.organisations o on o.slug = case when g <= 12 then 'northbridge' else 'southfield' end`;
		await tx`
			insert into public.organisation_members (organisation_id, user_id, role)
			select o.id, p.id, 'member' from public.organisations o join bench_people p on p.n % 10 = 0
			where o.slug = 'northbridge'`;
		// The measured course, C001.
		await tx`
			insert into public.enrolments (course_id, user_id, role, status, enrolled_at)
			select c.id, p.id,
			       case when p.n <= 4 then 'assistant' else 'learner' end,
			       case when p.n % 50 = 0 then 'suspended' else 'active' end,
			       now() - make_interval(days => p.n % 120)
			from public.courses c join bench_people p on p.n <= ${SCALE.targetLearners}
			where c.code = 'C001'`;
		await tx`
			insert into public.enrolments (course_id, user_id, role)
			select c.id, u.id, 'instructor' from public.courses c, public.users u
			where c.code in ('C001', 'C002', 'C014') and u.email = 'instructor@bench.example'`;
		// Everyone else, spread over C002..C020; a person is in at most one of them.
		await tx`
			insert into public.enrolments (course_id, user_id, role, status)
			select c.id, p.id, 'learner', case when p.n % 40 = 0 then 'suspended' else 'active' end
			from bench_people p
			join public.courses c on c.code = format('C%s', lpad((2 + p.n % ${SCALE.courses - 1})::text, 3, '0'))
			where ((p.n + 3000 - 1) % ${SCALE.users}) < ${SCALE.otherEnrolments}`;
	});
	await sql`vacuum analyze`;
	const [{ course_id, instructor_id, instructor_email, enrolments, learners }] = await sql`
		select c.id as course_id, u.id as instructor_id, u.email as instructor_email,
		       (select count(*)::int from public.enrolments) as enrolments,
		       (select count(*)::int from public.enrolments e where e.course_id = c.id) as learners
		from public.courses c, public.users u
		where c.code = 'C001' and u.email = 'instructor@bench.example'`;
	return {
		courseId: course_id,
		instructor: { id: instructor_id, email: instructor_email },
		enrolments,
		learners
	};
}

// The participants query as participantsSql writes it (no search or filters), for EXPLAIN.
const PARTICIPANTS_TEXT = `
	select e.user_id as "userId", u.display_name as "displayName", u.email, e.role, e.status,
	       e.source, e.enrolled_at as "enrolledAt", count(*) over ()::int as total
	from public.enrolments e join public.users u on u.id = e.user_id
	where e.course_id = $1
	order by lower(u.display_name), u.id
	limit $2 offset 0`;

/** BENCH_EXPLAIN=1: prints the plans of the rls-query, as the instructor and as the owner. */
async function explainParticipants(
	/** @type {any} */ db,
	/** @type {postgres.Sql} */ owner,
	/** @type {any} */ user,
	/** @type {string} */ courseId,
	/** @type {number} */ pageSize
) {
	const explain = `explain (analyze, buffers, costs off) ${PARTICIPANTS_TEXT}`;
	const show = (/** @type {string} */ title, /** @type {{ 'QUERY PLAN': string }[]} */ rows) =>
		console.log(`--- ${title}\n${rows.map((row) => row['QUERY PLAN']).join('\n')}`);
	show(
		'as the instructor (RLS)',
		await db.withUser(user, (/** @type {postgres.Sql} */ tx) =>
			tx.unsafe(explain, [courseId, pageSize])
		)
	);
	show('as the owner', await owner.unsafe(explain, [courseId, pageSize]));
}

async function main() {
	const benchStarted = performance.now();
	const tmp = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'));
	// Postgres runs as its own user, which must be able to reach the data folder.
	chmodSync(tmp, 0o755);
	/** @type {Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined} */
	let pg;
	/** @type {import('vite').ViteDevServer | undefined} */
	let vite;
	/** @type {postgres.Sql | undefined} */
	let owner;
	/** @type {any} */
	let db;
	try {
		pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), fsync: false });
		const adminUrl = withDatabase(pg.url, 'postgres');
		await migrate(adminUrl, { appPassword: APP_PASSWORD });
		process.env.TESSERA_APP_DATABASE_URL = appUrlFor(adminUrl, APP_PASSWORD);

		owner = postgres(adminUrl, { max: 10, onnotice: () => {} });
		const seeded = performance.now();
		const data = await generate(owner);
		console.log(
			`Generated ${SCALE.users.toLocaleString('en')} people, ${SCALE.courses} courses, ` +
				`${data.enrolments.toLocaleString('en')} enrolments (${data.learners.toLocaleString('en')} in the measured course) ` +
				`in ${((performance.now() - seeded) / 1000).toFixed(1)} s`
		);

		// The real withUser and participantsSql, TypeScript and $lib aliases included.
		vite = await createServer({
			root,
			configFile: false,
			logLevel: 'error',
			appType: 'custom',
			server: { middlewareMode: true, hmr: false, watch: null },
			resolve: { alias: { $lib: path.join(root, 'src/lib') } },
			optimizeDeps: { noDiscovery: true, include: [] }
		});
		db = await vite.ssrLoadModule('/src/lib/server/db/index.ts');
		const enrolments = await vite.ssrLoadModule('/src/lib/server/enrolments/index.ts');
		const schemas = await vite.ssrLoadModule('/src/lib/schemas/organisations.ts');
		const v = await vite.ssrLoadModule('valibot');
		const app = db.pool();

		const [{ version }] = await owner`select current_setting('server_version') as version`;
		/** @type {Record<string, unknown>} */
		const results = {};
		/**
		 * @param {string} name @param {number | null} target (null: informational) @param {string} what
		 * @param {Awaited<ReturnType<typeof compare>>} result @param {Record<string, unknown>} [extra]
		 */
		const report = (name, target, what, result, extra = {}) => {
			const met = target === null ? null : result.ratio >= target;
			console.log(`BENCH ${name} ratio=${result.ratio.toFixed(2)}`);
			console.log(`  ${what}`);
			console.log(`  ours:     ${describe(result.ours)}`);
			console.log(`  baseline: ${describe(result.baseline)}`);
			if (target !== null) console.log(`  target:   ratio >= ${target.toFixed(2)} (${met ? 'met' : 'MISSED'})`);
			results[name] = { ...result, target, met, ...extra };
		};
		const wanted = (/** @type {string} */ name) =>
			!only || only.some((prefix) => name.startsWith(prefix));

		const user = data.instructor;
		const n = quick ? 600 : 3000;

		if (wanted('rls-context')) {
			report(
				'rls-context',
				0.5,
				'readAs(user, tx => tx`select 1`) (the read path pages and the API use) vs `select 1` on the same pool (tessera_app), one caller at a time',
				await compare({
					ours: () => db.readAs(user, (/** @type {postgres.Sql} */ tx) => tx`select 1`),
					baseline: () => app`select 1`,
					iterations: n,
					concurrency: 1,
					rounds: 6,
					warmup: 300
				})
			);
			report(
				'rls-context-write',
				null,
				'withUser(user, tx => tx`select 1`) (the write path: waits for COMMIT) vs `select 1`, one caller at a time; informational',
				await compare({
					ours: () => db.withUser(user, (/** @type {postgres.Sql} */ tx) => tx`select 1`),
					baseline: () => app`select 1`,
					iterations: n,
					concurrency: 1,
					rounds: 6,
					warmup: 300
				})
			);
			report(
				'rls-context-c8',
				null,
				'readAs, with 8 callers in flight (pool of 10); informational',
				await compare({
					ours: () => db.readAs(user, (/** @type {postgres.Sql} */ tx) => tx`select 1`),
					baseline: () => app`select 1`,
					iterations: n * 2,
					concurrency: 8,
					rounds: 6,
					warmup: 300
				})
			);
		}

		if (wanted('rls-query')) {
			const options = v.parse(schemas.participantsQuery, {});
			const [ownRows, rlsRows] = await Promise.all([
				enrolments.participantsSql(owner, data.courseId, options),
				db.withUser(user, (/** @type {postgres.Sql} */ tx) =>
					enrolments.participantsSql(tx, data.courseId, options)
				)
			]);
			if (
				JSON.stringify(ownRows) !== JSON.stringify(rlsRows) ||
				ownRows.length !== options.pageSize
			) {
				throw new Error(
					'The instructor and the owner do not see the same first page of participants.'
				);
			}
			if (process.env.BENCH_EXPLAIN === '1') {
				await explainParticipants(db, owner, user, data.courseId, options.pageSize);
			}
			report(
				'rls-query',
				0.75,
				`participantsSql (page 1 of ${options.pageSize}, ${ownRows[0].total} participants) through readAs as the course's instructor (as the participants page runs it) vs the same SQL as the owner (RLS bypassed)`,
				await compare({
					ours: () =>
						db.readAs(user, (/** @type {postgres.Sql} */ tx) =>
							enrolments.participantsSql(tx, data.courseId, options)
						),
					baseline: () => enrolments.participantsSql(owner, data.courseId, options),
					iterations: quick ? 100 : 600,
					concurrency: 1,
					rounds: 6,
					warmup: 50
				}),
				{ participants: ownRows[0].total }
			);
		}

		const out = {
			finishedAt: new Date().toISOString(),
			seconds: round2((performance.now() - benchStarted) / 1000),
			quick,
			machine: {
				node: process.version,
				postgres: version,
				cpus: os.cpus().length,
				platform: `${os.platform()} ${os.arch()}`
			},
			data: { ...SCALE, enrolments: data.enrolments, measuredCourseParticipants: data.learners },
			results
		};
		mkdirSync(path.join(root, 'bench/results'), { recursive: true });
		writeFileSync(
			path.join(root, 'bench/results/latest.json'),
			JSON.stringify(out, null, '\t') + '\n'
		);
		console.log(`Wrote bench/results/latest.json (${out.seconds} s)`);
	} finally {
		await db?.closePool().catch(() => {});
		await owner?.end({ timeout: 5 }).catch(() => {});
		await vite?.close().catch(() => {});
		await pg?.stop().catch(() => {});
		rmSync(tmp, { recursive: true, force: true });
	}
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	main().catch((error) => {
		console.error(error);
		process.exitCode = 1;
	});
}
