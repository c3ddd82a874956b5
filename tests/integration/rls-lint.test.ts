import { describe, expect, it } from 'vitest';
import { ownerDb } from './helpers';

// The security model of DESIGN.md §5, read from the catalog of the migrated database, so a new
// migration that forgets a rule fails here before any behaviour test has to notice.
describe('the schema keeps the RLS rules', () => {
	it('enables and forces row-level security on every table in public', async () => {
		const tables = await ownerDb()<{ name: string; enabled: boolean; forced: boolean }[]>`
			select c.relname as name, c.relrowsecurity as enabled, c.relforcerowsecurity as forced
			from pg_class c join pg_namespace n on n.oid = c.relnamespace
			where n.nspname = 'public' and c.relkind in ('r', 'p')
			order by c.relname`;
		expect(tables.length).toBeGreaterThanOrEqual(10);
		expect(
			tables.filter((table) => !table.enabled || !table.forced).map((table) => table.name)
		).toEqual([]);
	});

	it('has at least one policy, or no grants at all, for every table the API roles can reach', async () => {
		const unreachable = await ownerDb()<{ name: string }[]>`
			select c.relname as name
			from pg_class c join pg_namespace n on n.oid = c.relnamespace
			where n.nspname = 'public' and c.relkind in ('r', 'p')
			  and not exists (select 1 from pg_policy p where p.polrelid = c.oid)
			  and (has_table_privilege('authenticated', c.oid, 'select, insert, update, delete')
			       or has_table_privilege('anon', c.oid, 'select, insert, update, delete'))`;
		// A table with RLS and no policy is closed anyway; this finds tables someone forgot to finish.
		expect(unreachable.map((row) => row.name)).toEqual([]);
	});

	it('wraps every auth.* and private.* call in a policy as (select …), so it runs once per statement', async () => {
		const policies = await ownerDb()<
			{ name: string; table: string; qual: string | null; check: string | null }[]
		>`
			select policyname as name, tablename as table, qual, with_check as check from pg_policies
			where schemaname = 'public'`;
		expect(policies.length).toBeGreaterThan(0);
		const bare = policies.flatMap((policy) =>
			[policy.qual, policy.check]
				.filter((text): text is string => text !== null)
				// pg_policies deparses `(select auth.uid())` as `( SELECT auth.uid() AS uid)`.
				.flatMap((text) => [...text.matchAll(/(SELECT\s+)?\b(auth|private)\.(\w+)\(/g)])
				.filter((match) => !match[1])
				.map((match) => `${policy.table}: "${policy.name}" calls ${match[2]}.${match[3]}() bare`)
		);
		expect(bare).toEqual([]);
	});

	it('makes every private function security definer with an empty search_path', async () => {
		const functions = await ownerDb()<
			{ name: string; definer: boolean; config: string[] | null }[]
		>`
			select p.proname as name, p.prosecdef as definer, p.proconfig as config
			from pg_proc p join pg_namespace n on n.oid = p.pronamespace
			where n.nspname = 'private'`;
		expect(functions.length).toBeGreaterThan(0);
		const wrong = functions
			.filter((fn) => !fn.definer || !(fn.config ?? []).includes('search_path=""'))
			.map((fn) => fn.name);
		expect(wrong).toEqual([]);
	});

	it('lets nobody but the API roles run private functions, and nobody create objects in private or public', async () => {
		const rows = await ownerDb()<{ name: string }[]>`
			select p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
			where n.nspname = 'private' and has_function_privilege('public', p.oid, 'execute')
			  -- A trigger function cannot be called directly, whoever holds EXECUTE.
			  and p.prorettype <> 'trigger'::regtype`;
		expect(rows.map((row) => row.name)).toEqual([]);
		const [creators] = await ownerDb()`
			select bool_or(has_schema_privilege(r, s, 'create')) as any
			from unnest(array['anon', 'authenticated', 'tessera_app']) as r,
			     unnest(array['public', 'private', 'auth']) as s`;
		expect(creators.any).toBe(false);
	});

	it('runs the app as a login role that owns nothing and cannot bypass RLS', async () => {
		const [role] = await ownerDb()`
			select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
			       (select count(*)::int from pg_class c where c.relowner = r.oid) as owned_relations,
			       (select count(*)::int from pg_proc p where p.proowner = r.oid) as owned_functions
			from pg_roles r where rolname = 'tessera_app'`;
		expect(role).toEqual({
			rolsuper: false,
			rolbypassrls: false,
			rolcreaterole: false,
			rolcreatedb: false,
			owned_relations: 0,
			owned_functions: 0
		});
		const apiRoles = await ownerDb()`
			select rolname, rolbypassrls, rolsuper from pg_roles where rolname in ('anon', 'authenticated') order by rolname`;
		expect(apiRoles.map((row) => [row.rolname, row.rolbypassrls, row.rolsuper])).toEqual([
			['anon', false, false],
			['authenticated', false, false]
		]);
	});

	it('keeps TRUNCATE and TRIGGER, which RLS does not cover, from the API roles', async () => {
		const grants = await ownerDb()<{ grant: string }[]>`
			select table_name || ': ' || privilege_type || ' to ' || grantee as grant
			from information_schema.role_table_grants
			where table_schema = 'public' and grantee in ('anon', 'authenticated', 'PUBLIC')
			  and privilege_type in ('TRUNCATE', 'TRIGGER', 'REFERENCES')
			order by 1`;
		expect(grants.map((row) => row.grant)).toEqual([]);
	});

	it('indexes the columns the policies use to look up memberships', async () => {
		// table.column pairs read by the private helpers and policies; each must lead some index.
		const needed = [
			'enrolments.user_id',
			'enrolments.course_id',
			'organisation_members.user_id',
			'organisation_members.organisation_id',
			'courses.organisation_id',
			'api_tokens.user_id',
			'sessions.user_id',
			'audit_events.organisation_id',
			'audit_events.course_id'
		];
		const leading = await ownerDb()<{ column: string }[]>`
			select distinct c.relname || '.' || a.attname as column
			from pg_index i
			join pg_class c on c.oid = i.indrelid
			join pg_namespace n on n.oid = c.relnamespace
			join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
			where n.nspname = 'public'`;
		const indexed = new Set(leading.map((row) => row.column));
		expect(needed.filter((column) => !indexed.has(column))).toEqual([]);
	});

	it('gives the password, session and throttle tables to the system alone', async () => {
		const grants = await ownerDb()<{ grant: string }[]>`
			select table_name || ': ' || privilege_type || ' to ' || grantee as grant
			from information_schema.role_table_grants
			where table_schema = 'public'
			  and table_name in ('user_passwords', 'sessions', 'sign_in_throttle', 'known_devices')
			  and grantee in ('anon', 'authenticated', 'PUBLIC', 'tessera_app')`;
		expect(grants.map((row) => row.grant)).toEqual([]);
	});
});
