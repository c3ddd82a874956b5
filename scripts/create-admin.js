// @ts-check
// `npm run create-admin -- email@example.com "Display Name"`: creates (or promotes) a platform
// admin. The password is read from ADMIN_PASSWORD or asked for on the terminal.
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { createServer } from 'vite';
import { appPasswordFor, migrate, openDatabase } from '../src/lib/server/db/setup.js';

const [email, displayName = 'Administrator'] = process.argv.slice(2);
if (!email) {
	console.error('Usage: npm run create-admin -- <email> [display name]');
	process.exit(2);
}
let password = process.env.ADMIN_PASSWORD;
if (!password) {
	const rl = createInterface({ input: process.stdin, output: process.stdout });
	password = await rl.question('Password (at least 10 characters): ');
	rl.close();
}
const db = await openDatabase({
	dataDir: path.resolve(process.env.TESSERA_DATA_DIR ?? '.data', 'postgres')
});
const vite = await createServer({
	server: { middlewareMode: true },
	appType: 'custom',
	logLevel: 'error'
});
try {
	await migrate(db.adminUrl, { appPassword: appPasswordFor(db.appUrl) });
	process.env.TESSERA_APP_DATABASE_URL = db.appUrl;
	const accounts = await vite.ssrLoadModule('/src/lib/server/auth/accounts.ts');
	const user = await accounts.createAdmin({ email, displayName, password });
	console.log(`  ${user.email} is a platform admin.`);
	const { closePool } = await vite.ssrLoadModule('/src/lib/server/db/index.ts');
	await closePool();
} catch (error) {
	console.error(`  ${error instanceof Error ? error.message : error}`);
	process.exitCode = 1;
} finally {
	await vite.close();
	await db.stop();
}
