// @ts-check
// Course-group benchmark with an in-run baseline (DESIGN.md §9, bench/README.md):
//   auto-create   courseGroups.autoCreate of 5,000 learners into groups of 5 (random, seeded),
//                 the domain call a form submit makes, through to commit, vs COPY of the same
//                 5,000 membership rows into groups that already exist.
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	appModules,
	figures,
	machine,
	ownerPool,
	quick,
	reporter,
	round2,
	startDatabase,
	wanted,
	writeResults
} from './lib.js';

const LEARNERS = 5000;
const GROUP_SIZE = 5;
const SEED = 20261122;

/**
 * One organisation, one course, its instructor and 5,000 active learners (set-based, as the owner).
 * @param {import('postgres').Sql} sql the owner
 */
async function generate(sql) {
	return sql.begin(async (tx) => {
		const [org] = await tx`
			insert into public.organisations (name, slug) values ('Bench College', 'bench-college') returning id`;
		const [course] = await tx`
			insert into public.courses (organisation_id, code, name) values (${org.id}, 'AUTO100', 'Auto groups')
			returning id`;
		const [instructor] = await tx`
			insert into public.users (email, display_name) values ('auto-instructor@bench.example', 'Ivy Instructor')
			returning id`;
		await tx`
			insert into public.enrolments (course_id, user_id, role) values (${course.id}, ${instructor.id}, 'instructor')`;
		await tx`
			with people as (
				insert into public.users (email, display_name)
				select format('learner%s@auto.bench.example', g), format('First%s Last%s', g, (g * 7919) % ${LEARNERS})
				from generate_series(1, ${LEARNERS}) g
				returning id
			)
			insert into public.enrolments (course_id, user_id, role) select ${course.id}, id, 'learner' from people`;
		await tx`analyze`;
		return { course: course.id, instructor: instructor.id };
	});
}

async function main() {
	const benchStarted = performance.now();
	/** @type {Awaited<ReturnType<typeof startDatabase>> | undefined} */
	let database;
	/** @type {import('postgres').Sql | undefined} */
	let owner;
	/** @type {import('vite').ViteDevServer | undefined} */
	let vite;
	/** @type {any} */
	let db;
	try {
		database = await startDatabase();
		owner = ownerPool(database.adminUrl);
		const sql = owner;
		const data = await generate(sql);
		vite = await appModules();
		db = await vite.ssrLoadModule('/src/lib/server/db/index.ts');
		const courseGroups = await vite.ssrLoadModule('/src/lib/server/course-groups/index.ts');
		/** @type {Record<string, unknown>} */
		const results = {};
		const report = reporter(results);
		const instructor = { id: data.instructor, email: 'auto-instructor@bench.example' };
		const options = {
			by: 'members',
			count: GROUP_SIZE,
			naming: 'Group #',
			allocation: 'random',
			seed: SEED,
			messaging: true
		};
		const groupCount = LEARNERS / GROUP_SIZE;

		if (wanted('auto-create')) {
			// The memberships autoCreate makes, as COPY rows: the same groups (made unmeasured before
			// each COPY) and the same people in them.
			const preview = await courseGroups.previewAutoCreate(instructor, data.course, options);
			if (preview.groups.length !== groupCount) {
				throw new Error(`The preview has ${preview.groups.length} groups.`);
			}
			const reset = async () => {
				await sql`delete from public.groups where course_id = ${data.course}`;
				await sql`truncate public.audit_events`;
				await sql`vacuum analyze public.groups, public.group_members, public.group_closure, public.audit_events`;
			};
			const memberships = async () =>
				(
					await sql`
						select count(*)::int as n from public.group_members m join public.groups g on g.id = m.group_id
						where g.course_id = ${data.course}`
				)[0].n;
			const ours = async () => {
				const created = await courseGroups.autoCreate(instructor, data.course, options);
				if (created.groups.length !== groupCount) {
					throw new Error('autoCreate made the wrong groups');
				}
			};
			const baseline = async () => {
				const ids = (
					await sql`
						insert into public.groups (scope, organisation_id, course_id, name)
						select 'course', c.organisation_id, c.id, format('Group %s', g)
						from public.courses c, generate_series(1, ${groupCount}) g where c.id = ${data.course}
						returning id`
				).map((row) => row.id);
				const rows = preview.groups
					.map((/** @type {{ members: { id: string }[] }} */ group, /** @type {number} */ index) =>
						group.members.map((person) => `${ids[index]}\t${person.id}\tmember\tauto\n`).join('')
					)
					.join('');
				const t = performance.now();
				const writable = await sql`
					copy public.group_members (group_id, user_id, role, source) from stdin`.writable();
				await pipeline(Readable.from([rows]), writable);
				return performance.now() - t;
			};

			const sides = {
				ours: { elapsed: 0, latencies: /** @type {number[]} */ ([]) },
				baseline: { elapsed: 0, latencies: /** @type {number[]} */ ([]) }
			};
			const rounds = quick ? 2 : 6;
			// One unmeasured run of each first, to warm the caches and the plans.
			for (let round = -1; round < rounds; round++) {
				const order = round % 2 === 0 ? ['baseline', 'ours'] : ['ours', 'baseline'];
				for (const side of order) {
					await reset();
					let ms;
					if (side === 'ours') {
						const t = performance.now();
						await ours();
						ms = performance.now() - t;
					} else {
						ms = await baseline();
					}
					if ((await memberships()) !== LEARNERS) throw new Error(`${side} lost memberships.`);
					if (round >= 0) {
						const pooled = sides[/** @type {'ours' | 'baseline'} */ (side)];
						pooled.elapsed += ms;
						pooled.latencies.push(ms);
					}
				}
			}
			const result = { ours: figures(sides.ours, 1), baseline: figures(sides.baseline, 1) };
			report(
				'auto-create',
				0.3,
				`courseGroups.autoCreate of ${LEARNERS.toLocaleString('en')} learners into ${groupCount.toLocaleString('en')} groups of ${GROUP_SIZE} (random, seeded) through withUser as the instructor, from the call to commit, vs COPY of the same ${LEARNERS.toLocaleString('en')} membership rows as the owner into groups made beforehand (unmeasured); both fire the membership triggers; reset between runs, unmeasured`,
				{ ...result, ratio: round2(result.ours.ops / result.baseline.ops) },
				{ learners: LEARNERS, groups: groupCount }
			);
		}

		const out = {
			finishedAt: new Date().toISOString(),
			seconds: round2((performance.now() - benchStarted) / 1000),
			quick,
			machine: await machine(sql),
			data: { learners: LEARNERS, groupSize: GROUP_SIZE },
			results
		};
		const file = writeResults('course-groups-latest.json', out);
		console.log(`Wrote ${file} (${out.seconds} s)`);
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
