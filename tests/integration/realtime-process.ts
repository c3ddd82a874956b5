import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const SUPPORT = path.resolve(import.meta.dirname, '../support');

/**
 * The app's socket server in a child process of its own (a real second app process); with
 * `whole`, the whole app (pages, API, sockets, jobs), and `env` on top of this process's.
 */
export class ServerProcess {
	child: ChildProcess | undefined;
	port = 0;
	output = '';

	constructor(
		private readonly wantedPort = 0,
		private readonly options: { whole?: boolean; env?: NodeJS.ProcessEnv } = {}
	) {}

	get url() {
		return `http://127.0.0.1:${this.port}`;
	}

	/** Starts the process and resolves once it listens. */
	start(): Promise<void> {
		const script = this.options.whole ? 'app-server.js' : 'realtime-server.js';
		const child = spawn(process.execPath, [path.join(SUPPORT, script)], {
			env: {
				...process.env,
				PORT: String(this.port || this.wantedPort),
				ORIGIN: '',
				ALLOWED_ORIGINS: '',
				...this.options.env
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		this.child = child;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`Server did not start:\n${this.output}`)),
				60_000
			);
			child.stdout!.on('data', (chunk: Buffer) => {
				this.output += chunk.toString();
				const match = this.output.match(/LISTENING (\d+)/);
				if (match) {
					clearTimeout(timer);
					this.port = Number(match[1]);
					resolve();
				}
			});
			child.stderr!.on('data', (chunk: Buffer) => {
				this.output += chunk.toString();
			});
			child.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`Server exited with ${code}:\n${this.output}`));
			});
		});
	}

	/** Kills the process at once, as a crash would (no goodbye to its clients). */
	async kill(signal: NodeJS.Signals = 'SIGKILL') {
		const child = this.child;
		if (!child || child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill(signal);
		await exited;
	}
}
