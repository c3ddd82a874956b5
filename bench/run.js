// @ts-check
// Benchmarks with in-run baselines (DESIGN.md §9): each one measures the app's code path and a
// baseline doing the same work without the app's cost, in the same run on the same database,
// and reports ours/baseline throughput. See bench/README.md.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
	appModules,
	compare,
	machine,
	ownerPool,
	quick,
	reporter,
	round2,
	startDatabase,
	wanted,
	writeResults
} from './lib.js';

const SCALE = {
	users: 15_000,
	targetLearners: 5_000,
	otherEnrolments: 15_000,
	courses: 20
};

/**
 * One organisation of 12 courses and another of 8; the measured course has 5,000 learners (2% of
 * them suspended), 4 assistants and its instructor, who also teaches two other courses; the other
 * 19 courses share 15,000 more enrolments, overlapping the measured course's learners.
 * @param {import('postgres').Sql} sql the owner
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
	/** @type {import('postgres').Sql} */ owner,
	/** @type {any} */ user,
	/** @type {string} */ courseId,
	/** @type {number} */ pageSize
) {
	const explain = `explain (analyze, buffers, costs off) ${PARTICIPANTS_TEXT}`;
	const show = (/** @type {string} */ title, /** @type {{ 'QUERY PLAN': string }[]} */ rows) =>
		console.log(`--- ${title}\n${rows.map((row) => row['QUERY PLAN']).join('\n')}`);
	show(
		'as the instructor (RLS)',
		await db.withUser(user, (/** @type {import('postgres').Sql} */ tx) =>
			tx.unsafe(explain, [courseId, pageSize])
		)
	);
	show('as the owner', await owner.unsafe(explain, [courseId, pageSize]));
}

async function main() {
	const benchStarted = performance.now();
	/** @type {Awaited<ReturnType<typeof startDatabase>> | undefined} */
	let database;
	/** @type {import('vite').ViteDevServer | undefined} */
	let vite;
	/** @type {import('postgres').Sql | undefined} */
	let owner;
	/** @type {any} */
	let db;
	try {
		database = await startDatabase();
		owner = ownerPool(database.adminUrl);
		const seeded = performance.now();
		const data = await generate(owner);
		console.log(
			`Generated ${SCALE.users.toLocaleString('en')} people, ${SCALE.courses} courses, ` +
				`${data.enrolments.toLocaleString('en')} enrolments (${data.learners.toLocaleString('en')} in the measured course) ` +
				`in ${((performance.now() - seeded) / 1000).toFixed(1)} s`
		);

		// The real withUser and participantsSql, TypeScript and $lib aliases included.
		vite = await appModules();
		db = await vite.ssrLoadModule('/src/lib/server/db/index.ts');
		const enrolments = await vite.ssrLoadModule('/src/lib/server/enrolments/index.ts');
		const schemas = await vite.ssrLoadModule('/src/lib/schemas/organisations.ts');
		const v = await vite.ssrLoadModule('valibot');
		const app = db.pool();

		/** @type {Record<string, unknown>} */
		const results = {};
		const report = reporter(results);

		const user = data.instructor;
		const n = quick ? 600 : 3000;

		if (wanted('rls-context')) {
			report(
				'rls-context',
				0.5,
				'readAs(user, tx => tx`select 1`) (the read path pages and the API use) vs `select 1` on the same pool (tessera_app), one caller at a time',
				await compare({
					ours: () => db.readAs(user, (/** @type {import('postgres').Sql} */ tx) => tx`select 1`),
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
					ours: () => db.withUser(user, (/** @type {import('postgres').Sql} */ tx) => tx`select 1`),
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
					ours: () => db.readAs(user, (/** @type {import('postgres').Sql} */ tx) => tx`select 1`),
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
				db.withUser(user, (/** @type {import('postgres').Sql} */ tx) =>
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
						db.readAs(user, (/** @type {import('postgres').Sql} */ tx) =>
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
			machine: await machine(owner),
			data: { ...SCALE, enrolments: data.enrolments, measuredCourseParticipants: data.learners },
			results
		};
		writeResults('latest.json', out);
		console.log(`Wrote bench/results/latest.json (${out.seconds} s)`);
	} finally {
		await db?.closePool().catch(() => {});
		await owner?.end({ timeout: 5 }).catch(() => {});
		await vite?.close().catch(() => {});
		await database?.stop();
	}
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	main().catch((error) => {
		console.error(error);
		process.exitCode = 1;
	});
}
