import { beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Tx } from '$lib/server/db';
import { foundationCast, ownerDb } from '../helpers';
import { attempt, snapshot } from './matrix';

let tables: string[];

beforeAll(async () => {
	await foundationCast();
	await ownerDb()`insert into public.sessions (id, user_id, expires_at)
		select repeat('b', 64), id, now() + interval '1 day' from public.users limit 1`;
	await ownerDb()`insert into public.sign_in_throttle (key, failures) values ('ip:203.0.113.9', 3)`;
	await ownerDb()`insert into public.api_tokens (user_id, name, token_hash)
		select id, 'cli', repeat('c', 64) from public.users limit 1`;
	// Every table in public, today's and tomorrow's, not a list that can fall behind.
	tables = (
		await ownerDb()<{ name: string }[]>`
			select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
			where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`
	).map((row) => row.name);
});

describe('an anonymous visitor', () => {
	it('reads no row of any table, while the tables are not empty', async () => {
		const foundation = [
			'users',
			'user_passwords',
			'sessions',
			'sign_in_throttle',
			'api_tokens',
			'organisations',
			'organisation_members',
			'courses',
			'enrolments',
			'audit_events'
		];
		expect(tables).toEqual(expect.arrayContaining(foundation));
		for (const table of foundation) {
			const [{ count }] = await ownerDb().unsafe(`select count(*)::int from public.${table}`);
			expect(count, table).toBeGreaterThan(0);
		}
		for (const table of tables) {
			const outcome = await withUser(null, (tx) =>
				tx.unsafe(`select count(*)::int as count from public.${table}`)
			).then(
				([row]) => ({ count: row.count as number }),
				(error) => ({ code: error.code as string })
			);
			expect([{ count: 0 }, { code: '42501' }], table).toContainEqual(outcome);
		}
	});

	it('changes no row of any table', async () => {
		for (const table of tables) {
			const before = await snapshot(table);
			const removed = await attempt(null, (tx) => tx.unsafe(`delete from public.${table}`), {
				rollback: false
			});
			expect([{ count: 0 }, { code: '42501' }], table).toContainEqual(removed);
			expect(await snapshot(table), table).toBe(before);
		}
	});

	it('resolves no email and passes no helper: no private function runs for anon at all', async () => {
		const emails = (await ownerDb()<{ email: string }[]>`select email from public.users`).map(
			(row) => row.email
		);
		const calls: ((tx: Tx) => Promise<unknown>)[] = [
			(tx) => tx`select count(*)::int from private.user_ids_by_email(${emails}::text[])`,
			(tx) => tx`select private.is_platform_admin()`,
			(tx) => tx`select count(*)::int from private.visible_course_ids()`,
			(tx) => tx`select count(*)::int from private.visible_user_ids()`
		];
		for (const call of calls) {
			await expect(withUser(null, call)).rejects.toMatchObject({ code: '42501' });
		}
		const [row] = await withUser(null, (tx) => tx`select auth.uid() as uid`);
		expect(row).toEqual({ uid: null });
	});
});
