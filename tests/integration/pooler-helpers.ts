import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../src/lib/server/db/embedded.js';
import { pause } from './realtime-helpers';

const BINARIES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'];

/**
 * Debian's PgBouncer in transaction mode in front of a Postgres, as Supabase's pooler (port 6543)
 * sits in front of a deployment's: every client's transaction gets one of `poolSize` server
 * connections, and nothing of a session (SET, LISTEN, prepared statements) survives the
 * transaction. No startup parameter is ignored, so a client that sends one PgBouncer does not
 * know (`options`, as `-c role=…` is sent) is refused, as Supabase's pooler refuses it.
 */
export class PgBouncer {
	readonly dir: string;
	port = 0;
	private child: ChildProcess | undefined;
	private output = '';

	constructor(private readonly poolSize: number) {
		this.dir = mkdtempSync(path.join(tmpdir(), 'tessera-pgbouncer-'));
	}

	/** Starts it in front of the Postgres of `directUrl`, for the given users (name → password). */
	async start(directUrl: string, users: Record<string, string>) {
		const binary = BINARIES.find((candidate) => existsSync(candidate));
		if (!binary) {
			throw new Error(
				'PgBouncer is not installed: `apt-get install -y pgbouncer` (.ci/run installs it).'
			);
		}
		const target = new URL(directUrl);
		this.port = await findFreePort();
		const file = (name: string) => path.join(this.dir, name);
		writeFileSync(
			file('userlist.txt'),
			Object.entries(users)
				.map(([name, password]) => `"${name}" "${password.replaceAll('"', '""')}"`)
				.join('\n') + '\n'
		);
		writeFileSync(
			file('pgbouncer.ini'),
			[
				'[databases]',
				`* = host=${target.hostname} port=${target.port}`,
				'[pgbouncer]',
				'listen_addr = 127.0.0.1',
				`listen_port = ${this.port}`,
				'unix_socket_dir =',
				'auth_type = scram-sha-256',
				`auth_file = ${file('userlist.txt')}`,
				'pool_mode = transaction',
				`default_pool_size = ${this.poolSize}`,
				`max_db_connections = ${this.poolSize}`,
				'reserve_pool_size = 0',
				'max_client_conn = 1000',
				`logfile = ${file('pgbouncer.log')}`,
				`pidfile = ${file('pgbouncer.pid')}`,
				''
			].join('\n')
		);
		// PgBouncer refuses to run as root: as root, it runs as the postgres user (which the
		// embedded Postgres runs as too), in a folder that user owns.
		const asRoot = process.getuid?.() === 0;
		if (asRoot) {
			const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
			const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
			for (const name of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(file(name), uid, gid);
		}
		const child = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), file('pgbouncer.ini')], {
			stdio: ['ignore', 'pipe', 'pipe']
		});
		this.child = child;
		child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
		child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
		const deadline = Date.now() + 15_000;
		while (!(await accepts(this.port))) {
			if (child.exitCode !== null || Date.now() > deadline) {
				throw new Error(`PgBouncer did not start:\n${this.output}\n${this.log()}`);
			}
			await pause(100);
		}
	}

	/** `url` with its host and port replaced by PgBouncer's. */
	urlFor(url: string): string {
		const pooled = new URL(url);
		pooled.hostname = '127.0.0.1';
		pooled.port = String(this.port);
		return pooled.toString();
	}

	log(): string {
		try {
			return readFileSync(path.join(this.dir, 'pgbouncer.log'), 'utf8');
		} catch {
			return '';
		}
	}

	async stop() {
		const child = this.child;
		if (child && child.exitCode === null && child.signalCode === null) {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGINT');
			await exited;
		}
		rmSync(this.dir, { recursive: true, force: true });
	}
}

function accepts(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}
