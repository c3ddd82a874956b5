// @ts-check
// Opens the app's database (embedded unless DATABASE_URL is set), applies the migrations and,
// for a fresh database, the demo seed. Shared by `npm run dev` and `npm start`.
import path from 'node:path';
import {
	appPasswordFor,
	migrate,
	openDatabase,
	seedIfEmpty,
	shouldSeedDemo
} from '../src/lib/server/db/setup.js';

export async function prepareAppDatabase({ seed = shouldSeedDemo() } = {}) {
	const log = (/** @type {string} */ line) => console.log(`  ${line}`);
	const dataDir = path.resolve(process.env.TESSERA_DATA_DIR ?? '.data', 'postgres');
	const db = await openDatabase({ dataDir, log });
	try {
		await migrate(db.adminUrl, { appPassword: appPasswordFor(db.appUrl), log });
		if (seed && (await seedIfEmpty(db.adminUrl))) log('Seeded the demo (supabase/seed.sql)');
	} catch (error) {
		await db.stop();
		throw error;
	}
	process.env.TESSERA_APP_DATABASE_URL = db.appUrl;
	process.env.TESSERA_LISTEN_DATABASE_URL = db.listenUrl;
	// pg-boss needs DDL in its own schema, so it uses the migration credentials (jobs/boss.ts).
	process.env.TESSERA_JOBS_DATABASE_URL ??= db.adminUrl;
	return db;
}

/** Stops the embedded Postgres once, on Ctrl-C, a kill or a normal exit. */
export function stopOnExit(/** @type {() => Promise<void>} */ cleanup) {
	let stopping = false;
	const stop = async (/** @type {number} */ code) => {
		if (stopping) return;
		stopping = true;
		try {
			await cleanup();
		} finally {
			process.exit(code);
		}
	};
	process.on('SIGINT', () => void stop(0));
	process.on('SIGTERM', () => void stop(0));
	process.on('SIGHUP', () => void stop(0));
}
