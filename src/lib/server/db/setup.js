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

/** Drops everything the migrations made, so they can run again. */
export async function dropSchema(/** @type {string} */ adminUrl) {
	const sql = adminClient(adminUrl);
	try {
		await sql.unsafe(`
			drop schema if exists private cascade;
			drop schema if exists supabase_migrations cascade;
			drop schema if exists public cascade;
			create schema public;
			grant usage on schema public to anon, authenticated, service_role;
			grant all on schema public to postgres;
			alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
			alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
			alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
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
 * Returns the admin URL (for migrations) and the app's URL (the non-owner login role).
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
		return { adminUrl: external, appUrl, embedded: false, stop: async () => {} };
	}
	log(
		`Starting the embedded Postgres (data in ${path.relative(process.cwd(), dataDir) || dataDir})`
	);
	const pg = await startEmbeddedPostgres({ dataDir });
	const adminUrl = withDatabase(pg.url, 'postgres');
	return { adminUrl, appUrl: appUrlFor(adminUrl, 'tessera_app'), embedded: true, stop: pg.stop };
}

/** The password the app role gets: fixed for the loopback-only embedded cluster. */
export function appPasswordFor(/** @type {string} */ appUrl) {
	return decodeURIComponent(new URL(appUrl).password);
}
