// @ts-check
// The app's socket server alone, as its own process, for the two-server and fault tests:
// loads src/lib/server/realtime/server.ts through Vite (as bench/lib.js does) and listens on
// PORT (0: any free port). Prints `LISTENING <port>` once it accepts connections. Needs
// TESSERA_APP_DATABASE_URL, or TESSERA_DATA_DIR to open its own embedded Postgres there as
// `npm start` does (the crash tests: a kill -9 leaves that Postgres running). With an IPC channel (bench/realtime.js), answers 'memory' with its
// memory use after a garbage collection (run with --expose-gc).
import { createServer as createHttpServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { prepareAppDatabase } from '../../scripts/open-database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const db = process.env.TESSERA_DATA_DIR ? await prepareAppDatabase({ seed: false }) : null;
const vite = await createServer({
	root,
	configFile: false,
	logLevel: 'error',
	appType: 'custom',
	server: { middlewareMode: true, hmr: false, watch: null },
	resolve: { alias: { $lib: path.join(root, 'src/lib') } },
	optimizeDeps: { noDiscovery: true, include: [] }
});
const realtime = await vite.ssrLoadModule('/src/lib/server/realtime/server.ts');
const http = createHttpServer();
realtime.attachSocketServer(http);
await realtime.socketServerReady();
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
	const address = http.address();
	console.log(`LISTENING ${typeof address === 'object' && address ? address.port : ''}`);
});
process.on('message', (message) => {
	if (message !== 'memory') return;
	/** @type {{ gc?: () => void }} */ (globalThis).gc?.();
	process.send?.({ memory: process.memoryUsage() });
});
const stop = async () => {
	await realtime.closeSocketServer();
	await vite.close();
	await db?.stop();
	process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
