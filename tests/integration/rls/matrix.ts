import type postgres from 'postgres';
import { expect, it } from 'vitest';
import { withUser, type Actor, type Tx } from '$lib/server/db';
import { actor, foundationCast, ownerDb } from '../helpers';

export type Cast = Awaited<ReturnType<typeof foundationCast>>;

/** The people every table is tried as. */
export const EVERYONE = [
	'anon',
	'learner',
	'otherLearner',
	'suspended',
	'instructor',
	'assistant',
	'otherOrgAdmin',
	'orgAdmin',
	'platformAdmin'
] as const;
export type Who = (typeof EVERYONE)[number];

export const LABEL: Record<Who, string> = {
	anon: 'an anonymous visitor',
	learner: 'a learner of the course',
	otherLearner: 'a learner of another course',
	suspended: 'a suspended learner of the course',
	instructor: 'the instructor',
	assistant: 'the assistant',
	otherOrgAdmin: 'the admin of another organisation',
	orgAdmin: 'the organisation admin',
	platformAdmin: 'a platform admin'
};

export function actorOf(cast: Cast, who: Who): Actor {
	return who === 'anon' ? null : actor(cast[who]);
}

class Rollback extends Error {
	constructor(readonly count: number) {
		super('rollback');
	}
}

export type Outcome = { count: number } | { code: string };

type Statement = (
	tx: Tx
) => postgres.PendingQuery<postgres.Row[]> | Promise<postgres.RowList<postgres.Row[]>>;

/**
 * Runs one statement as `who`. An allowed change is rolled back so the cast stays intact; anything
 * else is committed, so a test can check with the owner's connection that nothing changed.
 */
export async function attempt(
	actorValue: Actor,
	statement: Statement,
	{ rollback }: { rollback: boolean }
): Promise<Outcome> {
	try {
		return await withUser(actorValue, async (tx) => {
			const rows = await statement(tx);
			if (rollback) throw new Rollback(rows.count);
			return { count: rows.count };
		});
	} catch (error) {
		if (error instanceof Rollback) return { count: error.count };
		const code = (error as { code?: string }).code;
		if (!code) throw error;
		return { code };
	}
}

/** Every row of a table as the owner sees it, for before/after comparisons. */
export async function snapshot(table: string): Promise<string> {
	const rows = await ownerDb().unsafe(
		`select to_jsonb(t) as row from public.${table} t order by to_jsonb(t)::text`
	);
	return JSON.stringify(rows.map((row) => row.row));
}

/**
 * One test per person for one change: the allowed people change exactly `expectedCount` rows (rolled
 * back), everyone else changes nothing: an insert fails with 42501, an update or delete matches no
 * row, and the owner sees the table exactly as before.
 */
export function changeMatrix(options: {
	cast: () => Cast;
	table: string;
	action: string;
	allowed: readonly Who[];
	statement: (cast: Cast) => Statement;
	kind: 'insert' | 'update' | 'delete';
	expectedCount?: number;
	/** How a denied insert fails: RLS (42501) by default. */
	deniedCode?: string;
}) {
	for (const who of EVERYONE) {
		const allowed = options.allowed.includes(who);
		it(`${allowed ? 'lets' : 'stops'} ${LABEL[who]} ${options.action}`, async () => {
			const cast = options.cast();
			const before = await snapshot(options.table);
			const outcome = await attempt(actorOf(cast, who), options.statement(cast), {
				rollback: allowed
			});
			if (allowed) {
				expect(outcome).toEqual({ count: options.expectedCount ?? 1 });
			} else if (options.kind === 'insert') {
				expect(outcome).toEqual({ code: options.deniedCode ?? '42501' });
			} else {
				expect(outcome).toEqual({ count: 0 });
			}
			expect(await snapshot(options.table)).toBe(before);
		});
	}
}

/** One test per person: exactly these rows (by a label) are visible. */
export function visibilityMatrix(options: {
	cast: () => Cast;
	what: string;
	expected: Record<Who, string[]>;
	/** Returns the labels of the visible rows. */
	visible: (tx: Tx, cast: Cast) => Promise<string[]>;
	/** People for whom the read itself is refused (42501): anon calling a private function. */
	refused?: readonly Who[];
}) {
	for (const who of EVERYONE) {
		if (options.refused?.includes(who)) {
			it(`refuses ${LABEL[who]} any ${options.what}`, async () => {
				const cast = options.cast();
				await expect(
					withUser(actorOf(cast, who), (tx) => options.visible(tx, cast))
				).rejects.toMatchObject({ code: '42501' });
			});
			continue;
		}
		const expected = [...options.expected[who]].sort();
		it(`shows ${LABEL[who]} ${expected.length === 0 ? 'no' : expected.join(', ')} ${options.what}`, async () => {
			const cast = options.cast();
			const seen = await withUser(actorOf(cast, who), (tx) => options.visible(tx, cast));
			expect([...seen].sort()).toEqual(expected);
		});
	}
}

/** Maps ids back to the cast's names, so expectations read as people and places. */
export function namesOf(cast: Cast, ids: string[]): string[] {
	const byId = new Map<string, string>();
	for (const [name, value] of Object.entries(cast)) byId.set((value as { id: string }).id, name);
	return ids.map((id) => byId.get(id) ?? `unknown:${id}`);
}

export function castIds(cast: Cast): string[] {
	return Object.values(cast).map((value) => (value as { id: string }).id);
}
