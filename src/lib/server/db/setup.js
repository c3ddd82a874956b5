// @ts-check
// Brings a database to the current schema: the Supabase shim where it is missing, the app's
// login role (supabase/roles.sql), then supabase/migrations/*.sql in order, each once, recorded
// in supabase_migrations.schema_migrations as the Supabase CLI records them. The schema itself is
// written in supabase/schemas/ (see supabase/README.md); the migrations are generated from it.
import postgres from 'postgres';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from './embedded.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const supabaseDir = path.join(root, 'supabase');
export const APP_ROLE = 'tessera_app';
const MIGRATION_LOCK = 7_361_205_001;

/** @param {string} url */
function adminClient(url) {
	return postgres(url, {
		max: 1,
		onnotice: () => {},
		connection: { application_name: 'tessera-setup' }
	});
}

/** @param {string} url @param {string} database */
export function withDatabase(url, database) {
	const parsed = new URL(url);
	parsed.pathname = `/${database}`;
	return parsed.toString();
}

/** @param {string} adminUrl @param {string} password */
export function appUrlFor(adminUrl, password) {
	const parsed = new URL(adminUrl);
	parsed.username = APP_ROLE;
	parsed.password = password;
	return parsed.toString();
}

const MIGRATION_FILE = /^(\d{14})_([a-z0-9_]+)\.sql$/;

/** The migrations in order. Any other file in the folder is an error, never silently skipped. */
export function listMigrations(dir = path.join(supabaseDir, 'migrations')) {
	const files = readdirSync(dir).sort();
	const strays = files.filter((file) => !MIGRATION_FILE.test(file));
	if (strays.length > 0) {
		throw new Error(
			`supabase/migrations/ holds files the runner would skip: ${strays.join(', ')}. ` +
				'Migrations are named YYYYMMDDHHmmss_name.sql (lowercase, digits, underscores); ' +
				'generate one with `npm run db:diff -- name`.'
		);
	}
	return files.map((file) => {
		const [, version, name] = /** @type {RegExpExecArray} */ (MIGRATION_FILE.exec(file));
		return { version, name, sql: readFileSync(path.join(dir, file), 'utf8') };
	});
}

/** The schema files in the order Postgres must read them (their NN_ prefix). */
export function listSchemaFiles() {
	const dir = path.join(supabaseDir, 'schemas');
	return readdirSync(dir)
		.filter((file) => file.endsWith('.sql'))
		.sort()
		.map((file) => ({ file, sql: readFileSync(path.join(dir, file), 'utf8') }));
}

/**
 * What every Tessera database needs before its schema: Supabase's roles and auth functions where
 * they are missing (plain Postgres), and the app's login role with its password.
 * @param {import('postgres').Sql} sql @param {string} appPassword @param {(line: string) => void} log
 */
async function prepareRoles(sql, appPassword, log) {
	const [{ has_auth }] =
		await sql`select exists (select from pg_namespace where nspname = 'auth') as has_auth`;
	if (!has_auth) {
		log('Creating the Supabase roles and auth schema (plain Postgres)');
		await sql.unsafe(readFileSync(path.join(supabaseDir, 'bootstrap/supabase-shim.sql'), 'utf8'));
	}
	await sql.unsafe(readFileSync(path.join(supabaseDir, 'roles.sql'), 'utf8'));
	const [{ statement }] =
		await sql`select format('alter role %I password %L', ${APP_ROLE}::text, ${appPassword}::text) as statement`;
	await sql.unsafe(statement);
	const [{ grant }] =
		await sql`select format('grant connect on database %I to %I', current_database(), ${APP_ROLE}::text) as grant`;
	await sql.unsafe(grant);
}

/**
 * Builds a database straight from supabase/schemas/ (no migrations): what `db:diff` compares the
 * migrations with, and what the schema test checks them against.
 * @param {string} adminUrl @param {{ appPassword: string, log?: (line: string) => void }} options
 */
export async function applySchemaFiles(adminUrl, { appPassword, log = () => {} }) {
	const sql = adminClient(adminUrl);
	try {
		await prepareRoles(sql, appPassword, log);
		await sql.begin(async (tx) => {
			for (const { sql: text } of listSchemaFiles()) await tx.unsafe(text);
		});
	} finally {
		await sql.end();
	}
}

/**
 * @param {string} adminUrl a role that may create roles and owns the schema (superuser locally,
 *   `postgres` on Supabase)
 * @param {{ appPassword: string, log?: (line: string) => void }} options
 * @returns {Promise<{ applied: string[] }>}
 */
export async function migrate(adminUrl, { appPassword, log = () => {} }) {
	const sql = adminClient(adminUrl);
	try {
		await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
		await prepareRoles(sql, appPassword, log);

		await sql`create schema if not exists supabase_migrations`;
		await sql`create table if not exists supabase_migrations.schema_migrations (
			version text primary key, statements text[], name text)`;
		await sql`grant usage on schema supabase_migrations to service_role`;
		await sql`grant select on supabase_migrations.schema_migrations to service_role`;
		const migrations = listMigrations();
		const done = new Set(
			(await sql`select version from supabase_migrations.schema_migrations`).map(
				(row) => row.version
			)
		);
		const known = new Set(migrations.map((migration) => migration.version));
		const unknown = [...done].filter((version) => !known.has(version));
		if (unknown.length > 0) {
			throw new Error(
				`This database records migrations that supabase/migrations/ no longer has (${unknown.slice(0, 3).join(', ')}` +
					`${unknown.length > 3 ? ', …' : ''}). It was built by an older history; ` +
					'rebuild it with `npm run db:reset` (the demo database) or restore the missing files.'
			);
		}
		/** @type {string[]} */
		const applied = [];
		for (const migration of migrations) {
			if (done.has(migration.version)) continue;
			await sql.begin(async (tx) => {
				await tx.unsafe(migration.sql);
				await tx`insert into supabase_migrations.schema_migrations (version, name, statements)
					values (${migration.version}, ${migration.name}, ${[migration.sql]})`;
			});
			applied.push(`${migration.version}_${migration.name}`);
			log(`Applied migration ${migration.version}_${migration.name}`);
		}
		return { applied };
	} finally {
		await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
		await sql.end();
	}
}

/**
 * Drops everything the migrations made, so they can run again. The public schema itself stays,
 * with its owner, its grants and the default privileges Supabase (or the shim) gave it: only the
 * objects in it go, so a reset leaves the database's own set-up as it found it.
 */
export async function dropSchema(/** @type {string} */ adminUrl) {
	const sql = adminClient(adminUrl);
	try {
		await sql.unsafe(`
			drop schema if exists private cascade;
			drop schema if exists supabase_migrations cascade;
			do $$
			declare
			  statements text[];
			  statement text;
			begin
			  -- Named before the first drop, whose cascade may take later ones (hence "if exists").
			  -- Not what an extension or another object owns (an identity's sequence): its owner's drop takes it.
			  select coalesce(array_agg(s), '{}') into statements from (
			    select format('drop %s if exists public.%I cascade',
			                  case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
			                                 when 'S' then 'sequence' when 'f' then 'foreign table' else 'table' end,
			                  c.relname) as statement
			    from pg_class c
			    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
			      and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass
			                      and d.objid = c.oid and d.deptype in ('e', 'i', 'a'))
			    union all
			    select format('drop routine if exists %s cascade', p.oid::regprocedure)
			    from pg_proc p
			    where p.pronamespace = 'public'::regnamespace
			      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass
			                      and d.objid = p.oid and d.deptype in ('e', 'i', 'a'))
			    union all
			    select format('drop type if exists public.%I cascade', t.typname)
			    from pg_type t
			    where t.typnamespace = 'public'::regnamespace and t.typtype in ('c', 'd', 'e', 'r', 'm')
			      and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
			      and not exists (select 1 from pg_depend d where d.classid = 'pg_type'::regclass
			                      and d.objid = t.oid and d.deptype in ('e', 'i', 'a'))
			  ) as found(s);
			  foreach statement in array statements loop
			    execute statement;
			  end loop;
			end
			$$;
		`);
	} finally {
		await sql.end();
	}
}

/**
 * Whether to seed the demo (which includes a platform admin with a published password): always
 * for the embedded database, and for DATABASE_URL only when SEED_DEMO=true says so. SEED_DEMO=false
 * turns it off everywhere.
 */
export function shouldSeedDemo(env = process.env) {
	if (env.SEED_DEMO === 'true') return true;
	if (env.SEED_DEMO === 'false') return false;
	return !env.DATABASE_URL;
}

/** Runs supabase/seed.sql when the database has no users yet. @returns {Promise<boolean>} seeded */
export async function seedIfEmpty(/** @type {string} */ adminUrl) {
	const sql = adminClient(adminUrl);
	try {
		const [{ count }] = await sql`select count(*)::int as count from public.users`;
		if (count > 0) return false;
		await sql.begin((tx) => tx.unsafe(readFileSync(path.join(supabaseDir, 'seed.sql'), 'utf8')));
		return true;
	} finally {
		await sql.end();
	}
}

/**
 * The database the app uses: DATABASE_URL when set, else an embedded Postgres under dataDir.
 * Returns the admin URL (for migrations), the app's URL (the non-owner login role; its requests
 * may go through a transaction pooler) and the URL its LISTEN connection and socket adapter use
 * (LISTEN_DATABASE_URL: direct or session mode; the app's URL by default).
 * @param {{ dataDir?: string, log?: (line: string) => void }} [options]
 */
export async function openDatabase({
	dataDir = path.join(root, '.data/postgres'),
	log = () => {}
} = {}) {
	const external = process.env.DATABASE_URL;
	if (external) {
		const appUrl =
			process.env.APP_DATABASE_URL ??
			appUrlFor(external, process.env.APP_DATABASE_PASSWORD ?? 'tessera_app');
		// LISTEN/NOTIFY and the socket adapter keep sessions: behind a transaction pooler they need
		// a direct (or session-mode) connection of their own.
		const listenUrl = process.env.LISTEN_DATABASE_URL ?? appUrl;
		return { adminUrl: external, appUrl, listenUrl, embedded: false, stop: async () => {} };
	}
	log(
		`Starting the embedded Postgres (data in ${path.relative(process.cwd(), dataDir) || dataDir})`
	);
	// TESSERA_DB_PORT keeps the embedded Postgres on one port across restarts (else any free one).
	const pg = await startEmbeddedPostgres({
		dataDir,
		log,
		port: Number(process.env.TESSERA_DB_PORT)
	});
	const adminUrl = withDatabase(pg.url, 'postgres');
	// The app role's password is generated with the folder and kept in it, as the superuser's.
	const appUrl = appUrlFor(adminUrl, pg.appPassword);
	return {
		adminUrl,
		appUrl,
		listenUrl: appUrl,
		embedded: true,
		stop: pg.stop
	};
}

/** The password the app role gets (migrate sets it): the one in its URL. */
export function appPasswordFor(/** @type {string} */ appUrl) {
	return decodeURIComponent(new URL(appUrl).password);
}
