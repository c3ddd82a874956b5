import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/lib/server/db/embedded.js';
import { migrate, withDatabase } from '../../src/lib/server/db/setup.js';

export const TEMPLATE = 'tessera_template';
export const APP_PASSWORD = 'tessera_app_test';

declare module 'vitest' {
	export interface ProvidedContext {
		pgServerUrl: string;
		appPassword: string;
	}
}

/** One real Postgres for the run; the migrated template database is cloned per test file. */
export default async function setup(project: TestProject) {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-test-'));
	// Postgres runs as its own user, which must be able to reach the data folder.
	chmodSync(dataDir, 0o755);
	const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), fsync: false });
	const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
	await admin.unsafe(`create database ${TEMPLATE}`);
	await admin.end();
	await migrate(withDatabase(pg.url, TEMPLATE), { appPassword: APP_PASSWORD });
	project.provide('pgServerUrl', pg.url);
	project.provide('appPassword', APP_PASSWORD);
	return async () => {
		await pg.stop();
		rmSync(dataDir, { recursive: true, force: true });
	};
}
