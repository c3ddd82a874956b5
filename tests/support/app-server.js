// @ts-check
// The whole app (SvelteKit pages, the JSON API, /healthz, the socket server and the jobs) as its
// own process, for the fault tests: the path of `npm start` (server.js), with Vite's dev
// middleware in place of the build. With TESSERA_DATA_DIR it opens its own embedded Postgres
// there, as `npm start` does (so a kill -9 leaves it running); with DATABASE_URL it opens that
// database as a deployment does (APP_DATABASE_URL, LISTEN_DATABASE_URL…); else it uses
// TESSERA_APP_DATABASE_URL. Prints `LISTENING <port>` once pages, the API and sockets answer.
import { createServer as createHttpServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { prepareAppDatabase, stopOnExit } from '../../scripts/open-database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const db =
	process.env.TESSERA_DATA_DIR || process.env.DATABASE_URL
		? await prepareAppDatabase({ seed: false })
		: null;
const vite = await createServer({
	root,
	logLevel: 'error',
	appType: 'custom',
	server: { middlewareMode: true, hmr: false, ws: false, watch: null },
	optimizeDeps: { noDiscovery: true, include: [] }
});
const http = createHttpServer();
// The app's init hook attaches the socket server to this (src/hooks.server.ts).
/** @type {Record<symbol, unknown>} */ (globalThis)[Symbol.for('tessera.httpServer')] = http;
http.on('request', (req, res) => {
	if (req.url?.startsWith('/socket.io/')) return;
	req.headers['x-tessera-protocol'] = 'http';
	vite.middlewares(req, res);
});
await new Promise((resolve) =>
	http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => resolve(null))
);
const address = http.address();
const port = typeof address === 'object' && address ? address.port : 0;
// The first request loads the app (and runs its init hook, which attaches the socket server).
await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.arrayBuffer());
const realtime = await vite.ssrLoadModule('/src/lib/server/realtime/server.ts');
await realtime.socketServerReady();
console.log(`LISTENING ${port}`);

stopOnExit(async () => {
	const shutdown = /** @type {Record<symbol, (() => Promise<void>) | undefined>} */ (globalThis)[
		Symbol.for('tessera.shutdown')
	];
	await shutdown?.();
	await vite.close();
	await db?.stop();
});
