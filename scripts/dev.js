// @ts-check
// `npm run dev`: the database (embedded by default), migrations, demo seed, then Vite.
import { createServer } from 'vite';
import { printDemoSignIns } from './demo.js';
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
printDemoSignIns(vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${vite.config.server.port}`);
