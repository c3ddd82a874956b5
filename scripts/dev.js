// @ts-check
// `npm run dev`: the database (embedded by default), migrations, demo seed, then Vite.
import { createServer } from 'vite';
import { printDemoSignIns } from './demo.js';
import { shouldSeedDemo } from '../src/lib/server/db/setup.js';
import { prepareAppDatabase, stopOnExit } from './open-database.js';

const db = await prepareAppDatabase();
const vite = await createServer({
	server: { port: Number(process.env.PORT ?? 5173), host: process.env.HOST ?? '127.0.0.1' }
});
await vite.listen();
stopOnExit(async () => {
	// The app's own connections first (jobs, socket listeners): see hooks.server.ts.
	const shutdown = /** @type {Record<symbol, (() => Promise<void>) | undefined>} */ (globalThis)[
		Symbol.for('tessera.shutdown')
	];
	await shutdown?.();
	await vite.close();
	await db.stop();
});
const url = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${vite.config.server.port}`;
if (shouldSeedDemo()) printDemoSignIns(url);
else console.log(`  Tessera is at ${url} (no demo: DATABASE_URL is set and SEED_DEMO is not true)`);
