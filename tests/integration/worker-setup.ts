import postgres from 'postgres';
import { afterAll, inject } from 'vitest';
import { appUrlFor, withDatabase } from '../../src/lib/server/db/setup.js';
import { closePool } from '../../src/lib/server/db';
import { stopBoss } from '../../src/lib/server/jobs/boss';

// Each test file gets its own database, cloned from the migrated template.
const database = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
const serverUrl = inject('pgServerUrl');
const server = postgres(serverUrl, { max: 1, onnotice: () => {} });
await server.unsafe(`create database ${database} template tessera_template`);
await server.end();

export const adminUrl = withDatabase(serverUrl, database);
process.env.TESSERA_APP_DATABASE_URL = appUrlFor(adminUrl, inject('appPassword'));
process.env.TESSERA_TEST_ADMIN_URL = adminUrl;
process.env.TESSERA_JOBS_DATABASE_URL = adminUrl;

afterAll(async () => {
	await stopBoss();
	await closePool();
	const { closeAdmin } = await import('./helpers');
	await closeAdmin();
	const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
	await cleanup.unsafe(`drop database if exists ${database} with (force)`);
	await cleanup.end();
});
