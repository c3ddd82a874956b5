import { describe, expect, it } from 'vitest';
import { ownerDb } from './helpers';
import { DEFINER_REVIEW } from './rls/definer-review';

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

	it('lets the API roles execute only the reviewed security definer functions, anon none', async () => {
		const granted = await ownerDb()<{ signature: string; roles: string[] }[]>`
			select format('%s.%s(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)) as signature,
			       array(select r from unnest(array['anon', 'authenticated', 'service_role']) as r
			             where has_function_privilege(r, p.oid, 'execute')) as roles
			from pg_proc p join pg_namespace n on n.oid = p.pronamespace
			where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema')
			  and p.prorettype <> 'trigger'::regtype
			  and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass
			                  and d.objid = p.oid and d.deptype = 'e')
			  and (has_function_privilege('anon', p.oid, 'execute')
			       or has_function_privilege('authenticated', p.oid, 'execute')
			       or has_function_privilege('service_role', p.oid, 'execute'))
			order by 1`;
		const actual = Object.fromEntries(granted.map((row) => [row.signature, row.roles.join(', ')]));
		const reviewed = Object.fromEntries(
			DEFINER_REVIEW.map((entry) => [entry.signature, [...entry.roles].sort().join(', ')])
		);
		expect(Object.keys(reviewed)).toHaveLength(DEFINER_REVIEW.length);
		// A difference here is a function someone may call that nobody reviewed (or a review left
		// behind): add it to tests/integration/rls/definer-review.ts with its reason and its test.
		expect(actual).toEqual(reviewed);
	});

	it('lets each API role run every private helper its policies, views and security-invoker functions call', async () => {
		// These run with the caller's privileges (public.may_*, the capabilities, the membership
		// views, every policy): a private helper they call must be executable by every role they
		// are granted to, or the call fails for that role. anon is answered before private is
		// reached (it may not use the schema at all; one-rule.test.ts calls each function as anon).
		const callers = await ownerDb()<{ callers: number; gaps: string[] }[]>`
			with callers as (
			  select format('%s.%s()', n.nspname, p.proname) as what, p.prosrc as body, r.role
			  from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
			       unnest(array['authenticated', 'service_role']) as r(role)
			  where not p.prosecdef and n.nspname in ('public', 'private')
			    and has_function_privilege(r.role, p.oid, 'execute')
			  union all
			  select format('%s.%s', n.nspname, c.relname), pg_get_viewdef(c.oid), r.role
			  from pg_class c join pg_namespace n on n.oid = c.relnamespace,
			       unnest(array['authenticated', 'service_role']) as r(role)
			  where c.relkind = 'v' and n.nspname in ('public', 'private')
			    and has_table_privilege(r.role, c.oid, 'select')
			  union all
			  select format('policy "%s" on %s', p.polname, p.polrelid::regclass),
			         concat(pg_get_expr(p.polqual, p.polrelid), ' ', pg_get_expr(p.polwithcheck, p.polrelid)),
			         r.rolname
			  from pg_policy p join pg_roles r on r.oid = any (p.polroles)
			)
			select (select count(*)::int from callers where body ~ 'private[.]') as callers,
			       array(
			         select distinct format('%s calls private.%s(), which %s may not run', c.what, m[1], c.role)
			         from callers c, regexp_matches(c.body, 'private[.]([a-z0-9_]+)[[:space:]]*[(]', 'g') m
			         where not exists (
			           select 1 from pg_proc h
			           where h.pronamespace = 'private'::regnamespace and h.proname = m[1]
			             and has_function_privilege(c.role, h.oid, 'execute'))
			         order by 1) as gaps`;
		expect(callers[0].callers).toBeGreaterThan(100);
		expect(callers[0].gaps).toEqual([]);
	});

	it('gives anon no function of private at all, trigger functions included, nor the schema', async () => {
		const [row] = await ownerDb()<{ usable: boolean; functions: string[] }[]>`
			select has_schema_privilege('anon', 'private', 'usage') as usable,
			       array(select p.proname from pg_proc p
			             where p.pronamespace = 'private'::regnamespace
			               and has_function_privilege('anon', p.oid, 'execute') order by 1) as functions`;
		expect(row).toEqual({ usable: false, functions: [] });
	});

	it('writes every policy for authenticated, so anon never evaluates one', async () => {
		const policies = await ownerDb()<{ policy: string }[]>`
			select tablename || ': ' || policyname as policy from pg_policies
			where schemaname = 'public' and roles <> '{authenticated}'::name[]`;
		expect(policies.map((row) => row.policy)).toEqual([]);
	});

	it('keeps TRUNCATE, REFERENCES, TRIGGER and MAINTAIN from every API role, and every sequence too', async () => {
		const grants = await ownerDb()<{ grant: string }[]>`
			select n.nspname || '.' || c.relname || ': ' || a.privilege_type || ' to ' ||
			       coalesce(nullif(a.grantee::regrole::text, '-'), 'PUBLIC') as grant
			from pg_class c join pg_namespace n on n.oid = c.relnamespace,
			     aclexplode(c.relacl) a
			where n.nspname in ('public', 'private')
			  and (a.grantee = 0 or a.grantee::regrole::text in ('anon', 'authenticated', 'service_role', 'tessera_app'))
			  and ((c.relkind in ('r', 'p') and a.privilege_type in ('TRUNCATE', 'REFERENCES', 'TRIGGER', 'MAINTAIN'))
			       -- Identity defaults do not check the sequence; UPDATE on one lets anyone setval it.
			       or (c.relkind = 'S' and c.relname <> 'socket_io_attachments_id_seq'))
			order by 1`;
		expect(grants.map((row) => row.grant)).toEqual([]);
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
