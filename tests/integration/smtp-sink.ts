import { SMTPServer } from 'smtp-server';

export type Received = { to: string[]; raw: string };

/** A real SMTP server in this process: it accepts every message and keeps it. */
export function startSink(): Promise<{
	port: number;
	inbox: Received[];
	close: () => Promise<void>;
}> {
	const inbox: Received[] = [];
	const server = new SMTPServer({
		secure: false,
		authOptional: true,
		disabledCommands: ['STARTTLS'],
		onData(stream, session, callback) {
			let raw = '';
			stream.on('data', (chunk) => (raw += chunk.toString()));
			stream.on('end', () => {
				inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
				callback();
			});
		}
	});
	return new Promise((resolve) => {
		server.listen(0, '127.0.0.1', () => {
			const address = server.server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			resolve({ port, inbox, close: () => new Promise((done) => server.close(() => done())) });
		});
	});
}

/** The message as text: quoted-printable soft breaks joined. */
export const unfold = (raw: string) => raw.replace(/=\r?\n/g, '');
