// @ts-check
// `npm start`: the production server. Opens the database (embedded unless DATABASE_URL is set),
// migrates, then serves adapter-node's handler and the Socket.IO server on one HTTP server.
import http from 'node:http';
import { printDemoSignIns } from './scripts/demo.js';
import { prepareAppDatabase, stopOnExit } from './scripts/open-database.js';

const db = await prepareAppDatabase();
// The largest body any route takes: a file upload (UPLOAD_MAX_BYTES, 25 MB by default) and its
// form. hooks.server.ts holds every other route to 2 MB.
process.env.BODY_SIZE_LIMIT ??= String(
	Number(process.env.UPLOAD_MAX_BYTES || 25 * 1024 * 1024) + 1024 * 1024
);
if (!process.env.ORIGIN) process.env.PROTOCOL_HEADER ??= 'x-tessera-protocol';

const server = http.createServer();
// The app's init hook attaches the socket server to this (src/hooks.server.ts).
/** @type {Record<symbol, unknown>} */ (globalThis)[Symbol.for('tessera.httpServer')] = server;
// The build exists once `npm run build` has run.
const entry = `./${process.env.TESSERA_BUILD_DIR ?? 'build'}/handler.js`;
const { handler } = await import(entry);
// Socket.IO attached itself while the handler module loaded (the init hook) and answers its own
// path; SvelteKit must not answer those requests a second time.
/** @param {import('node:http').IncomingMessage} req */
const isSocketIo = (req) => req.url?.startsWith('/socket.io/') ?? false;
if (process.env.ORIGIN) {
	server.on('request', (req, res) => {
		if (!isSocketIo(req)) handler(req, res);
	});
} else {
	// Without ORIGIN, adapter-node assumes https and refuses every form posted over plain http.
	// Tell it the protocol this connection really uses (a client cannot choose it). Behind a
	// TLS-terminating proxy, set ORIGIN (or PROTOCOL_HEADER) instead.
	server.on('request', (req, res) => {
		if (isSocketIo(req)) return;
		req.headers['x-tessera-protocol'] =
			'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
		handler(req, res);
	});
}

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
server.listen(port, host, () => {
	if (db.embedded) printDemoSignIns(process.env.ORIGIN ?? `http://${host}:${port}`);
	else console.log(`  Tessera is running at http://${host}:${port}`);
});
stopOnExit(async () => {
	// The app's own connections first (jobs, socket listeners): see hooks.server.ts.
	const shutdown = /** @type {Record<symbol, (() => Promise<void>) | undefined>} */ (globalThis)[
		Symbol.for('tessera.shutdown')
	];
	await shutdown?.();
	await new Promise((resolve) => server.close(resolve));
	await db.stop();
});
