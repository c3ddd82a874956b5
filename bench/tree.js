// @ts-check
// tree-load (issue 15): the first page of an organisation's group tree for its admin, in an
// organisation of 10,000 groups (10 at the top, 10 children each, four levels: 10 + 90 + 900 +
// 9,000) with two members in each leaf group. Ours is the app's own tree read
// (`groups.tree`, through withUser, what the page calls); the baseline is the owner's plain query
// for what a first page shows (the top-level groups, by name). Target: ours p50 ≤ 50 ms.
import { performance } from 'node:perf_hooks';
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

const ORG = '00000000-0000-4000-c000-00000000a001';
const ADMIN = '00000000-0000-4000-b000-00000000a001';
// BENCH_TREE_LEAVES_EACH (10 by default) sets the last level's fan-out: 2 gives 2,000 groups.
const FANOUT = [10, 9, 10, Number(process.env.BENCH_TREE_LEAVES_EACH ?? 10)];

/** @param {import('postgres').Sql} sql */
async function generate(sql) {
	await sql`insert into public.organisations (id, name, slug) values (${ORG}, 'Tree U', 'tree-u')`;
	await sql`insert into public.users (id, email, display_name) values (${ADMIN}, 'admin@tree.bench.example', 'Tree Admin')`;
	await sql`insert into public.organisation_members (organisation_id, user_id, role) values (${ORG}, ${ADMIN}, 'admin')`;
	// Level by level with the triggers on, so the closure and the channels are the app's own.
	/** @type {(string | null)[]} */
	let parents = [null];
	let total = 0;
	for (const [level, each] of FANOUT.entries()) {
		/** @type {string[]} */
		const next = [];
		for (let start = 0; start < parents.length; start += 500) {
			const slice = parents.slice(start, start + 500);
			const rows = await sql`
				insert into public.groups (scope, organisation_id, parent_id, name)
				select 'organisation', ${ORG}, p.parent_id::uuid, format('Level %s group %s.%s', ${level + 1}::int, p.ord, n)
				from unnest(${slice}::text[]) with ordinality as p(parent_id, ord)
				cross join generate_series(1, ${each}::int) n
				returning id`;
			next.push(...rows.map((row) => row.id));
		}
		total += next.length;
		parents = next;
	}
	await sql.begin(async (tx) => {
		await tx`set local session_replication_role = replica`;
		await tx`
			insert into public.users (id, email, display_name)
			select ('00000000-0000-4000-a000-' || lpad(g::text, 12, '0'))::uuid,
			       format('t%s@tree.bench.example', g), format('Tree Person %s', g)
			from generate_series(1, ${parents.length * 2}::int) g`;
		await tx`
			insert into public.organisation_members (organisation_id, user_id)
			select ${ORG}, ('00000000-0000-4000-a000-' || lpad(g::text, 12, '0'))::uuid
			from generate_series(1, ${parents.length * 2}::int) g`;
		await tx`
			insert into public.group_members (group_id, user_id)
			select l.id::uuid, ('00000000-0000-4000-a000-' || lpad((2 * (l.ord - 1) + k)::text, 12, '0'))::uuid
			from unnest(${parents}::text[]) with ordinality as l(id, ord)
			cross join generate_series(1, 2) k`;
	});
	await sql`vacuum analyze`;
	return total;
}

/**
 * BENCH_EXPLAIN=1: where the tree read's time goes, piece by piece, as the admin under RLS
 * (EXPLAIN ANALYZE's execution time of each part of the tree query).
 * @param {import('postgres').Sql} owner
 */
async function profile(owner) {
	const parts = {
		'groups of the scope (RLS on groups)': owner`select count(*) from public.groups g where g.scope = 'organisation' and g.organisation_id = ${ORG}`,
		'direct members (current_memberships)': owner`select group_id, count(*) from public.current_memberships where group_id in (select id from public.groups where organisation_id = ${ORG}) group by group_id`,
		'effective members (effective_members)': owner`select group_id, count(distinct user_id) from public.effective_members where group_id in (select id from public.groups where organisation_id = ${ORG}) group by group_id`,
		'lineage (group_closure)': owner`select c.descendant_id, max(c.depth) from public.group_closure c join public.groups a on a.id = c.ancestor_id where c.descendant_id in (select id from public.groups where organisation_id = ${ORG}) group by c.descendant_id`,
		'capabilities (group_capabilities)': owner`select count(*) from public.group_capabilities(array(select id from public.groups where organisation_id = ${ORG}))`
	};
	for (const [name, query] of Object.entries(parts)) {
		const plan = await owner.begin(async (tx) => {
			await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: ADMIN, role: 'authenticated' })}, true), set_config('role', 'authenticated', true)`;
			return tx.unsafe(
				`explain (analyze, format json) ${query.strings.join('$X')}`.replaceAll('$X', `'${ORG}'`)
			);
		});
		const top = plan[0]['QUERY PLAN'][0];
		console.log(`  profile: ${name}: ${round2(top['Execution Time'])} ms`);
	}
}

async function main() {
	const { adminUrl, stop } = await startDatabase();
	const owner = ownerPool(adminUrl);
	const vite = await appModules();
	/** @type {Record<string, unknown>} */
	const results = {};
	const report = reporter(results);
	try {
		if (wanted('tree-load')) {
			const started = performance.now();
			const groupCount = await generate(owner);
			console.log(
				`tree-load: ${groupCount} groups generated in ${round2((performance.now() - started) / 1000)} s`
			);
			if (process.env.BENCH_EXPLAIN === '1') await profile(owner);
			const groups = await vite.ssrLoadModule('/src/lib/server/groups/index.ts');
			const admin = { id: ADMIN };
			const firstPage = async () => {
				const nodes = await groups.tree(admin, { organisationId: ORG });
				return nodes.filter((/** @type {{ parentId: string | null }} */ n) => !n.parentId);
			};
			const [top] = [await firstPage()];
			if (top.length !== FANOUT[0]) {
				throw new Error(`Expected ${FANOUT[0]} top groups, got ${top.length}`);
			}
			const result = await compare({
				ours: firstPage,
				baseline: () =>
					owner`select id, name from public.groups
					      where organisation_id = ${ORG} and parent_id is null order by name`,
				iterations: quick ? 2 : 20,
				concurrency: 1,
				rounds: 2,
				warmup: quick ? 1 : 2
			});
			report(
				'tree-load',
				null,
				`first page of the tree (top-level groups) of an organisation of ${groupCount} groups for its admin, vs the owner's query for the same page (target: ours p50 <= 50 ms: ${result.ours.p50 <= 50 ? 'met' : 'MISSED'})`,
				result,
				{ groups: groupCount, targetP50Ms: 50, metP50: result.ours.p50 <= 50 }
			);
		}
		const out = { machine: await machine(owner), quick, results };
		console.log(`Results written to ${writeResults('tree-latest.json', out)}`);
	} finally {
		await vite.close();
		await owner.end();
		await stop();
	}
	process.exit(0);
}

await main();
