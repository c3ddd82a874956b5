// @ts-check
// `npm run db:migrate` and `npm run db:reset` (drop everything, migrate, seed), against the
// embedded Postgres under .data/ or the database in DATABASE_URL alike.
import path from 'node:path';
import {
	appPasswordFor,
	dropSchema,
	migrate,
	openDatabase,
	seedIfEmpty,
	shouldSeedDemo
} from '../src/lib/server/db/setup.js';

const command = process.argv[2];
if (command !== 'migrate' && command !== 'reset') {
	console.error('Usage: node scripts/db.js migrate|reset');
	process.exit(2);
}
const log = (/** @type {string} */ line) => console.log(`  ${line}`);
const db = await openDatabase({
	dataDir: path.resolve(process.env.TESSERA_DATA_DIR ?? '.data', 'postgres'),
	log
});
try {
	if (command === 'reset') {
		log('Dropping the public, private and supabase_migrations schemas');
		await dropSchema(db.adminUrl);
	}
	const { applied } = await migrate(db.adminUrl, { appPassword: appPasswordFor(db.appUrl), log });
	if (applied.length === 0) log('The database is up to date.');
	if (command === 'reset' && shouldSeedDemo() && (await seedIfEmpty(db.adminUrl))) {
		log('Seeded the demo (supabase/seed.sql)');
	}
} catch (error) {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
} finally {
	await db.stop();
}
