import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listMigrations, openDatabase, shouldSeedDemo } from './setup.js';

describe('shouldSeedDemo', () => {
	it('seeds the embedded database by default', () => {
		expect(shouldSeedDemo({})).toBe(true);
	});

	it('never seeds a database named by DATABASE_URL unless SEED_DEMO=true', () => {
		expect(shouldSeedDemo({ DATABASE_URL: 'postgres://db.example/prod' })).toBe(false);
		expect(shouldSeedDemo({ DATABASE_URL: 'postgres://db.example/prod', SEED_DEMO: 'yes' })).toBe(
			false
		);
		expect(shouldSeedDemo({ DATABASE_URL: 'postgres://db.example/prod', SEED_DEMO: 'true' })).toBe(
			true
		);
	});

	it('lets SEED_DEMO=false turn the demo off for the embedded database too', () => {
		expect(shouldSeedDemo({ SEED_DEMO: 'false' })).toBe(false);
	});
});

describe('listMigrations', () => {
	it('reads YYYYMMDDHHmmss_name.sql files in order', () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'migrations-'));
		writeFileSync(path.join(dir, '20261206000002_second.sql'), 'select 2;');
		writeFileSync(path.join(dir, '20261206000001_first.sql'), 'select 1;');
		expect(listMigrations(dir).map((m) => m.name)).toEqual(['first', 'second']);
	});

	it('fails loudly on any file it would otherwise skip', () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'migrations-'));
		writeFileSync(path.join(dir, '20261206000001_first.sql'), 'select 1;');
		writeFileSync(path.join(dir, '2026_fix.sql'), 'select 2;');
		writeFileSync(path.join(dir, '20261206000003_Capital.sql'), 'select 3;');
		expect(() => listMigrations(dir)).toThrow(/20261206000003_Capital\.sql, 2026_fix\.sql/);
	});
});

describe('openDatabase with DATABASE_URL', () => {
	const names = [
		'DATABASE_URL',
		'APP_DATABASE_URL',
		'APP_DATABASE_PASSWORD',
		'LISTEN_DATABASE_URL'
	];
	async function open(env: Record<string, string>) {
		const saved = names.map((name) => [name, process.env[name]] as const);
		for (const name of names) delete process.env[name];
		Object.assign(process.env, env);
		try {
			return await openDatabase();
		} finally {
			for (const [name, value] of saved) {
				if (value === undefined) delete process.env[name];
				else process.env[name] = value;
			}
		}
	}

	it('listens where the requests go when nothing else is said', async () => {
		const db = await open({ DATABASE_URL: 'postgres://owner:pw@db.internal:5432/app' });
		expect(db.appUrl).toBe('postgres://tessera_app:tessera_app@db.internal:5432/app');
		expect(db.listenUrl).toBe(db.appUrl);
	});

	it('keeps LISTEN and the socket adapter off a pooler that APP_DATABASE_URL goes through', async () => {
		const db = await open({
			DATABASE_URL: 'postgres://owner:pw@db.internal:5432/app',
			APP_DATABASE_URL: 'postgres://tessera_app:secret@pooler.internal:6543/app',
			LISTEN_DATABASE_URL: 'postgres://tessera_app:secret@db.internal:5432/app'
		});
		expect(db.appUrl).toBe('postgres://tessera_app:secret@pooler.internal:6543/app');
		expect(db.listenUrl).toBe('postgres://tessera_app:secret@db.internal:5432/app');
	});
});
