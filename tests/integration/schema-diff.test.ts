import postgres from 'postgres';
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { compareCatalogs, readCatalog } from '../../src/lib/server/db/catalog.js';
import { applySchemaFiles, migrate, withDatabase } from '../../src/lib/server/db/setup.js';
import { ownerDb } from './helpers';

// supabase/schemas/ is the truth and supabase/migrations/ is generated from it: a schema file
// edited without `npm run db:diff` (or a migration written by hand) makes the two differ here.
describe('the declarative schema', () => {
	it('builds exactly the database the migrations build', async () => {
		const serverUrl = inject('pgServerUrl');
		const name = `schema_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
		const server = postgres(serverUrl, { max: 1, onnotice: () => {} });
		await server.unsafe(`create database ${name}`);
		try {
			await applySchemaFiles(withDatabase(serverUrl, name), { appPassword: inject('appPassword') });
			const fromSchemas = postgres(withDatabase(serverUrl, name), { max: 1, onnotice: () => {} });
			const schemaCatalog = await readCatalog(fromSchemas);
			await fromSchemas.end();
			// The test database is a clone of the template the migrations built.
			const migrationCatalog = await readCatalog(ownerDb());
			expect(migrationCatalog.size).toBeGreaterThan(1000);
			expect(compareCatalogs(migrationCatalog, schemaCatalog)).toEqual([]);
		} finally {
			await server.unsafe(`drop database if exists ${name} with (force)`);
			await server.end();
		}
	});

	it('notices a difference in a function body, a policy and a grant', async () => {
		const before = await readCatalog(ownerDb());
		await ownerDb()
			.begin(async (tx) => {
				await tx`create or replace function private.is_platform_admin() returns boolean
				language sql stable security definer set search_path = '' as $$ select false $$`;
				await tx`alter policy "platform admins add people" on public.users with check (false)`;
				await tx`grant select on public.sessions to authenticated`;
				const after = await readCatalog(tx);
				const differences = compareCatalogs(before, after).join('\n');
				expect(differences).toContain('function private.is_platform_admin()');
				expect(differences).toContain('policy public.users."platform admins add people"');
				expect(differences).toContain('grant relation public.sessions to authenticated');
				throw new Error('rollback');
			})
			.catch((error: Error) => {
				if (error.message !== 'rollback') throw error;
			});
	});
});

describe('the migration runner', () => {
	it('refuses a database that records migrations the folder no longer has', async () => {
		await ownerDb()`insert into supabase_migrations.schema_migrations (version, name) values ('20200101000000', 'gone')`;
		try {
			await expect(
				migrate(process.env.TESSERA_TEST_ADMIN_URL!, { appPassword: inject('appPassword') })
			).rejects.toThrow(/no longer has \(20200101000000\).*npm run db:reset/);
		} finally {
			await ownerDb()`delete from supabase_migrations.schema_migrations where version = '20200101000000'`;
		}
	});

	it('applies nothing twice on a database that is up to date', async () => {
		const { applied } = await migrate(process.env.TESSERA_TEST_ADMIN_URL!, {
			appPassword: inject('appPassword')
		});
		expect(applied).toEqual([]);
	});
});
