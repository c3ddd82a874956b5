// A real SMTP server for the end-to-end run, started by Playwright next to the app (see
// playwright.config.ts): the app sends to it through SMTP_URL, and the tests read what arrived
// over a tiny local HTTP endpoint: GET /messages?to=<address> answers [{ to, raw }].
import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';

const smtpPort = Number(process.env.MAIL_SINK_SMTP_PORT);
const httpPort = Number(process.env.MAIL_SINK_HTTP_PORT);
/** @type {{ to: string[], raw: string }[]} */
const inbox = [];

const smtp = new SMTPServer({
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
smtp.listen(smtpPort, '127.0.0.1');

const http = createServer((request, response) => {
	const url = new URL(request.url ?? '/', `http://127.0.0.1:${httpPort}`);
	if (url.pathname === '/healthz') return response.end('ok');
	if (url.pathname !== '/messages') {
		response.statusCode = 404;
		return response.end();
	}
	const to = url.searchParams.get('to')?.toLowerCase();
	response.setHeader('content-type', 'application/json');
	response.end(JSON.stringify(inbox.filter((mail) => !to || mail.to.includes(to))));
});
http.listen(httpPort, '127.0.0.1');

const stop = () => {
	http.close();
	smtp.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
