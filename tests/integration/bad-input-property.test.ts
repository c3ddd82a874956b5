import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as announcements from '$lib/server/announcements';
import * as apiTokens from '$lib/server/auth/api-tokens';
import { createSession } from '$lib/server/auth/session';
import * as courseGroups from '$lib/server/course-groups';
import { asService } from '$lib/server/db';
import * as groups from '$lib/server/groups';
import * as learnerGroups from '$lib/server/learner-groups';
import * as memberships from '$lib/server/memberships';
import * as progress from '$lib/server/progress';
import * as resources from '$lib/server/resources';
import { actor, enrol, foundationCast, ownerDb } from './helpers';
import { callAction, callEndpoint, type Answer, type CallUser } from './route-call';
import { useTemporaryBlobDirs } from './upload-helpers';

// 10,000 generated requests, spread over every endpoint (+server.ts) and every form action, run
// in-process against the real handlers and the real database. Whatever the body, query or form:
// no answer is a 500, and a refused request (4xx) leaves every table's row count as it was.

const TOTAL_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
// Requests sent at once to one handler (see check).
const BATCH = 4;
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);

const endpointModules = import.meta.glob('../../src/routes/**/+server.ts');
const pageModules = import.meta.glob('../../src/routes/**/+page.server.ts');
const METHODS = ['GET', 'PUT', 'PATCH', 'POST', 'DELETE'] as const;

// Counted after every refused request. Sign-in failures are meant to be written (throttling).
const UNCOUNTED = new Set(['sign_in_throttle', 'sign_in_failures']);

const dirs = useTemporaryBlobDirs();
let user: CallUser;
let ids: Record<string, string>;
let tables: string[];

/** Every property name a shared schema knows, so generated bodies reach past the first check. */
function schemaKeys(): string[] {
	const dir = path.resolve('src/lib/schemas');
	const keys = new Set<string>();
	for (const file of [
		'announcements',
		'auth',
		'chat',
		'common',
		'course-groups',
		'groups',
		'learner-groups',
		'organisations',
		'progress',
		'resources'
	]) {
		const text = readFileSync(path.join(dir, `${file}.ts`), 'utf8');
		for (const match of text.matchAll(/^\s+([a-zA-Z]+)\??:/gm)) keys.add(match[1]);
	}
	return [...keys];
}

/** The quoted words in a route file: its form fields, query parameters and action names. */
function routeWords(file: string): string[] {
	const text = readFileSync(path.resolve('tests/integration', file), 'utf8');
	return [...new Set([...text.matchAll(/'([a-zA-Z][a-zA-Z_]{1,30})'/g)].map((m) => m[1]))];
}

const nasty = fc.constantFrom(
	'',
	' ',
	'\u0000',
	'\u200B\u200D',
	'\u202Egnp.exe',
	'\u2066x\u2069',
	'0000-01-01T00:00:00Z',
	'10000-01-01T00:00:00Z',
	'1899-12-31',
	'2026-02-30',
	'9999999999999999999',
	'-1',
	'0',
	'1e400',
	'NaN',
	'Infinity',
	'true',
	'on',
	'null',
	'[]',
	'{}',
	"'; drop table public.users; --",
	'x'.repeat(5001),
	'a@b',
	'admin@tessera.test',
	'00000000-0000-0000-0000-000000000000',
	'"unterminated,quote\nnext,row',
	'../../etc/passwd'
);

function arbitraries(keys: string[]) {
	const key = fc.oneof(
		{ weight: 4, arbitrary: fc.constantFrom(...keys) },
		fc.string({ maxLength: 8 })
	);
	const leaf = fc.oneof(
		fc.string({ maxLength: 20 }),
		fc.string({ unit: 'grapheme', maxLength: 10 }),
		nasty,
		fc.integer(),
		fc.double(),
		fc.constantFrom(2 ** 53, -(2 ** 63), 1e308, 0.5),
		fc.boolean(),
		fc.constant(null),
		fc.uuid(),
		fc.date({ noInvalidDate: true }).map((date) => date.toISOString())
	);
	const { value } = fc.letrec((tie) => ({
		value: fc.oneof(
			{ depthSize: 'small', withCrossShrink: true },
			leaf,
			fc.array(tie('value'), { maxLength: 3 }),
			fc.dictionary(key, tie('value'), { maxKeys: 4 })
		)
	}));
	const text = fc.oneof(fc.string({ maxLength: 20 }), nasty, fc.integer().map(String));
	return {
		json: fc.oneof(
			{ weight: 5, arbitrary: fc.dictionary(key, value, { maxKeys: 6 }) },
			{ weight: 1, arbitrary: value },
			// Not JSON at all, or cut short.
			{
				weight: 1,
				arbitrary: fc.oneof(fc.string({ maxLength: 30 }), nasty).map((raw) => ({ raw }))
			}
		),
		query: fc.dictionary(key, text, { maxKeys: 4 }),
		form: fc.dictionary(
			key,
			fc.oneof({ weight: 4, arbitrary: text }, fc.array(text, { maxLength: 3 })),
			{ maxKeys: 8 }
		),
		csv: fc
			.array(fc.array(text, { maxLength: 4 }), { maxLength: 4 })
			.map((rows) => rows.map((cells) => cells.join(',')).join('\n'))
	};
}

/** A real id for each kind of path parameter, so requests get past the existence checks. */
function paramsFor(file: string): Record<string, string> {
	const params: Record<string, string> = {};
	const segments = file.split('/');
	segments.forEach((segment, index) => {
		const name = segment.match(/^\[(?:\.\.\.)?(\w+)\]$/)?.[1];
		if (!name) return;
		const owner = segments[index - 1];
		params[name] =
			name === 'rest'
				? 'no/such/route'
				: name === 'slug'
					? ids.orgSlug
					: name === 'token'
						? 'not-a-real-invite-token'
						: name === 'id'
							? (ids[owner] ?? ids.unknown)
							: (ids[name] ?? ids.unknown);
	});
	return params;
}

let countQuery: string;

async function rowCounts(): Promise<Record<string, number>> {
	countQuery ??= `select ${tables.map((table) => `(select count(*)::int from public."${table}") as "${table}"`).join(', ')}`;
	const [row] = await ownerDb().unsafe(countQuery, [], { prepare: true });
	return row;
}

let runs = 0;
/** The row counts as they stand, when the last batch proved nothing changed. */
let lastCounts: Record<string, number> | undefined;
const problems: string[] = [];

type Inputs = {
	json: unknown;
	query: Record<string, string>;
	form: Record<string, string | string[]>;
	csv: string;
	mode: number;
};

/**
 * A handful of generated requests to one handler, sent at once: no answer may be a 500, and
 * when all were refused no row count may have changed. A batch with refusals and successes is
 * checked again one refusal at a time, each between its own counts.
 */
async function check(name: string, call: (input: Inputs) => Promise<Answer>, batch: Inputs[]) {
	runs += batch.length;
	const before = lastCounts ?? (await rowCounts());
	lastCounts = undefined;
	const answers = await Promise.all(batch.map((input) => call(input)));
	const failed = answers.filter((answer) => answer.status >= 500);
	for (const answer of failed) {
		problems.push(`${name}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
	}
	if (failed.length > 0) return false;
	const refused = batch.filter((_, index) => answers[index].status >= 400);
	if (refused.length === 0) return true;
	if (refused.length === batch.length) return unchanged(name, before, answers[0].status, true);
	for (const input of refused) {
		const alone = await rowCounts();
		const answer = await call(input);
		if (answer.status >= 400 && !(await unchanged(name, alone, answer.status))) return false;
	}
	return true;
}

async function unchanged(
	name: string,
	before: Record<string, number>,
	status: number,
	keep = false
) {
	const after = await rowCounts();
	const changed = tables.filter((table) => after[table] !== before[table]);
	// Nothing changed: these counts are the next batch's "before" as well.
	if (changed.length === 0 && keep) lastCounts = after;
	if (changed.length === 0) return true;
	problems.push(`${name}: refused with ${status} but changed ${changed.join(', ')}`);
	return false;
}

beforeAll(async () => {
	const cast = await foundationCast();
	const admin = cast.platformAdmin;
	await enrol(cast.course.id, admin.id, 'instructor');
	const a = actor(admin);
	const group = await groups.create(a, { organisationId: cast.org.id, name: 'Fuzz cohort' });
	await memberships.add(a, group.id, { userIds: [cast.learner.id] });
	await memberships.add(a, group.id, { userIds: [admin.id], role: 'leader' });
	const grouping = await courseGroups.createGrouping(a, cast.course.id, { name: 'Fuzz grouping' });
	const activity = await progress.createActivity(a, cast.course.id, { title: 'Fuzz activity' });
	const learnerGroup = await learnerGroups
		.create(a, cast.course.id, {
			name: 'Fuzz learner group',
			criteria: { criteria: [{ type: 'enrolled', when: 'before', date: '2030-01-01' }] }
		})
		.catch(() => null);
	const announcement = await announcements
		.create(a, group.id, { title: 'Fuzz', body: 'Fuzz body' })
		.catch(() => null);
	const resource = await resources
		.createLink(a, group.id, { title: 'Fuzz link', url: 'https://example.test/' })
		.catch(() => null);
	const token = await apiTokens.create(a, { name: 'fuzz' });
	const session = await asService((tx) => createSession(tx, admin.id));
	const unknown = '6f1c9e52-3b7a-4d1e-9c55-0a2b8e4d7f10';
	ids = {
		unknown,
		orgSlug: cast.org.slug,
		organisations: cast.org.id,
		courses: cast.course.id,
		groups: group.id,
		groupId: learnerGroup?.id ?? group.id,
		groupings: grouping.id,
		groupingId: grouping.id,
		activities: activity.id,
		activityId: activity.id,
		'learner-groups': learnerGroup?.id ?? unknown,
		announcementId: announcement?.id ?? unknown,
		resourceId: resource?.id ?? unknown,
		tokens: token.id,
		userId: cast.learner.id
	};
	user = { ...admin, platformRole: 'admin', sessionId: session.session.id };
	tables = (
		await ownerDb()<{ table_name: string }[]>`
			select table_name from information_schema.tables
			where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`
	)
		.map((row) => row.table_name)
		.filter((table) => !UNCOUNTED.has(table));
}, 60_000);

afterAll(() => dirs.cleanup());

// Writes that end things (DELETE, leave, sign out) run last, so they cannot take away what the
// other routes' requests are aimed at.
const files = [
	...Object.keys(endpointModules).map((file) => ({ file, kind: 'endpoint' as const })),
	...Object.keys(pageModules).map((file) => ({ file, kind: 'page' as const }))
];

describe('generated bad input', () => {
	it(
		'never answers 500 and never writes on a refusal, over 10,000 requests to every route',
		async () => {
			const schemaWords = schemaKeys();
			type Job = { name: string; weight: number; call: (input: Inputs) => Promise<Answer> };
			const jobs: (Job & { keys: string[]; order: number })[] = [];
			for (const { file, kind } of files) {
				const mod = (await (kind === 'endpoint' ? endpointModules : pageModules)[file]()) as Record<
					string,
					unknown
				>;
				const keys = [...new Set([...schemaWords, ...routeWords(file)])];
				const params = paramsFor(file);
				const routePath = file
					.replace('../../src/routes', '')
					.replace(/\/\+(server|page\.server)\.ts$/, '');
				if (kind === 'endpoint') {
					for (const method of METHODS) {
						if (typeof mod[method] !== 'function') continue;
						const handler = mod[method];
						jobs.push({
							name: `${method} ${routePath}`,
							weight: method === 'GET' ? 1 : 2,
							keys,
							order: method === 'DELETE' || /leave|sessions|signout/.test(routePath) ? 1 : 0,
							call: ({ json, query, csv, mode }) =>
								callEndpoint(handler, {
									method,
									user: mode === 9 ? null : user,
									params,
									path: routePath,
									query: new URLSearchParams(query).toString(),
									...(method === 'GET' || method === 'DELETE'
										? {}
										: mode === 8
											? { csv }
											: {
													json:
														json && typeof json === 'object' && 'raw' in json
															? String((json as { raw: unknown }).raw)
															: json
												})
								})
						});
					}
				} else if (mod.actions && typeof mod.actions === 'object') {
					for (const [action, run] of Object.entries(mod.actions as Record<string, unknown>)) {
						jobs.push({
							name: `action ${routePath}?/${action}`,
							weight: 2,
							keys,
							order: /signout|leave|delete|remove|revoke/i.test(`${routePath} ${action}`) ? 1 : 0,
							call: ({ form, query, mode }) =>
								callAction(run, {
									user: mode === 9 ? null : user,
									params,
									path: routePath,
									query: new URLSearchParams(query).toString(),
									form
								})
						});
					}
				}
			}
			jobs.sort((x, y) => x.order - y.order);
			const totalWeight = jobs.reduce((sum, job) => sum + job.weight, 0);
			let budget = TOTAL_RUNS;
			const started = Date.now();
			for (const [index, job] of jobs.entries()) {
				const remainingWeight = jobs.slice(index).reduce((sum, next) => sum + next.weight, 0);
				const numRuns = Math.max(1, Math.round((budget * job.weight) / remainingWeight));
				budget -= Math.max(1, Math.round(numRuns / BATCH)) * BATCH;
				const arb = arbitraries(job.keys);
				const jobStarted = Date.now();
				const jobRuns = runs;
				const batches = Math.max(1, Math.round(numRuns / BATCH));
				await fc
					.assert(
						fc.asyncProperty(
							fc.array(
								fc.record({
									json: arb.json,
									query: arb.query,
									form: arb.form,
									csv: arb.csv,
									mode: fc.integer({ min: 0, max: 9 })
								}),
								{ minLength: BATCH, maxLength: BATCH }
							),
							(batch) => check(job.name, job.call, batch as Inputs[])
						),
						{ numRuns: batches, seed: SEED + index, endOnFailure: true }
					)
					.catch((error: unknown) => {
						problems.push(`${job.name}: ${String(error).slice(0, 600)}`);
					});
				if (process.env.FUZZ_VERBOSE) {
					console.log(`${job.name}: ${runs - jobRuns} in ${Date.now() - jobStarted} ms`);
				}
			}
			console.log(
				`bad-input property: ${runs} requests to ${jobs.length} handlers (${totalWeight} weight) in ${Math.round((Date.now() - started) / 1000)} s`
			);
			expect(problems).toEqual([]);
			expect(runs).toBeGreaterThanOrEqual(TOTAL_RUNS);
		},
		Number(process.env.FUZZ_TIMEOUT_MS ?? 600_000)
	);
});
