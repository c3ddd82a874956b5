import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const SCRIPT = path.resolve(import.meta.dirname, '../support/realtime-server.js');

/** The app's socket server in a child process of its own (a real second app process). */
export class ServerProcess {
	child: ChildProcess | undefined;
	port = 0;

	constructor(private readonly wantedPort = 0) {}

	get url() {
		return `http://127.0.0.1:${this.port}`;
	}

	/** Starts the process and resolves once it listens. */
	start(): Promise<void> {
		const child = spawn(process.execPath, [SCRIPT], {
			env: {
				...process.env,
				PORT: String(this.port || this.wantedPort),
				ORIGIN: '',
				ALLOWED_ORIGINS: ''
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		this.child = child;
		return new Promise((resolve, reject) => {
			let output = '';
			const timer = setTimeout(() => reject(new Error(`Server did not start:\n${output}`)), 60_000);
			child.stdout!.on('data', (chunk: Buffer) => {
				output += chunk.toString();
				const match = output.match(/LISTENING (\d+)/);
				if (match) {
					clearTimeout(timer);
					this.port = Number(match[1]);
					resolve();
				}
			});
			child.stderr!.on('data', (chunk: Buffer) => {
				output += chunk.toString();
			});
			child.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`Server exited with ${code}:\n${output}`));
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
