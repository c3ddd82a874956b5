import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, type TestUser } from './helpers';
import { open, ready, signIn, startServer, type Client } from './realtime-helpers';

// Limits a person cannot multiply by opening sockets (issue 12 §7), against the app's real
// Socket.IO server and real sessions.

let server: Awaited<ReturnType<typeof startServer>>;
const clients: Client[] = [];
let person: TestUser;

beforeAll(async () => {
	server = await startServer();
	person = await createUser();
});

afterAll(async () => {
	for (const client of clients) client.close();
	await server.close();
});

function connect(token: string) {
	const client = open(server.url, { token });
	clients.push(client);
	return client;
}

type WhoAmI = { userId?: string; ok?: boolean; error?: { code: string } };

/** 'whoami' takes only an ack; a rate-limited event is answered on that ack too. */
function whoami(client: Client): Promise<WhoAmI> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('No answer to whoami')), 15_000);
		(client.emit as (event: string, ack: (answer: WhoAmI) => void) => void)('whoami', (answer) => {
			clearTimeout(timer);
			resolve(answer);
		});
	});
}

function refusal(client: Client): Promise<Error & { data?: unknown }> {
	return new Promise((resolve, reject) => {
		client.once('connect_error', resolve);
		client.once('ready', () => reject(new Error('the socket was let in')));
	});
}

describe('sockets per session', () => {
	it('lets one session hold 10 sockets, refuses the 11th with a clear error, and frees a place on disconnect', async () => {
		const { token } = await signIn(person);
		// All at once, as a burst of tabs (or a script) would open them.
		const first = Array.from({ length: 10 }, () => connect(token));
		await Promise.all(first.map(ready));
		const eleventh = await refusal(connect(token));
		expect(eleventh.message).toBe(
			'This sign-in already has 10 live connections, the most it may have. Close another Tessera tab or window and reload.'
		);
		expect(eleventh.data).toEqual({ code: 'too_many_connections', limit: 10 });

		// Another session of the same person has places of its own.
		const other = await signIn(person);
		await ready(connect(other.token));

		first[0].close();
		await expect
			.poll(async () => {
				const retry = connect(token);
				return new Promise((resolve) => {
					retry.once('ready', () => resolve('in'));
					retry.once('connect_error', () => resolve('refused'));
				});
			})
			.toBe('in');
	});

	it('refuses a burst of 30 connections past the limit, not just one at a time', async () => {
		const { token } = await signIn(await createUser());
		const burst = Array.from({ length: 30 }, () => connect(token));
		const outcomes = await Promise.all(
			burst.map(
				(client) =>
					new Promise<string>((resolve) => {
						client.once('ready', () => resolve('in'));
						client.once('connect_error', () => resolve('refused'));
					})
			)
		);
		expect(outcomes.filter((outcome) => outcome === 'in')).toHaveLength(10);
		expect(outcomes.filter((outcome) => outcome === 'refused')).toHaveLength(20);
	});
});

describe('event limits per person', () => {
	it('shares one event budget between all of a person’s sockets', async () => {
		const someone = await createUser();
		const sockets = await Promise.all(
			[0, 1, 2].map(async () => {
				const { token } = await signIn(someone);
				const client = connect(token);
				await ready(client);
				return client;
			})
		);
		// 100 events from each socket: each alone is within the burst of 100 a socket had before.
		const started = Date.now();
		const answers = await Promise.all(
			sockets.flatMap((client) => Array.from({ length: 100 }, () => whoami(client)))
		);
		const seconds = (Date.now() - started) / 1000;
		const limited = answers.filter((answer) => answer.error?.code === 'rate_limited');
		const served = answers.filter((answer) => answer.userId === someone.id);
		expect(limited.length + served.length).toBe(300);
		// Burst 100 and 50 a second for the person, whatever the number of sockets.
		expect(served.length).toBeLessThanOrEqual(100 + Math.ceil(50 * seconds) + 1);
		expect(limited.length).toBeGreaterThan(0);

		// Someone else is not slowed by it.
		const bystander = connect((await signIn(await createUser())).token);
		await ready(bystander);
		expect(await whoami(bystander)).toHaveProperty('userId');
	});
});
