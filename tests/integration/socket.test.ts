import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as accounts from '$lib/server/auth/accounts';
import { invalidateSession, SESSION_COOKIE } from '$lib/server/auth/session';
import type {
	ClientToServerEvents,
	ReadyPayload,
	ServerToClientEvents
} from '$lib/realtime/events';
import { attachSocketServer, closeSocketServer } from '$lib/server/realtime/server';
import { closeSocketsOfSessions } from '$lib/server/realtime/revoke';
import { actor, createUser, FIXTURE_PASSWORD, type TestUser } from './helpers';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let httpServer: HttpServer;
let url: string;
const clients: Client[] = [];
const savedEnv = { ORIGIN: process.env.ORIGIN, ALLOWED_ORIGINS: process.env.ALLOWED_ORIGINS };

beforeAll(async () => {
	// With no configured origins the server accepts only its own host, which is what we test.
	delete process.env.ORIGIN;
	delete process.env.ALLOWED_ORIGINS;
	httpServer = createServer();
	attachSocketServer(httpServer);
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterEach(() => {
	for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
	// Closes the Socket.IO server and the HTTP server under it.
	await closeSocketServer();
	Object.assign(process.env, savedEnv);
	for (const [key, value] of Object.entries(savedEnv)) {
		if (value === undefined) delete process.env[key];
	}
});

function open({ token, origin = url }: { token?: string; origin?: string | null } = {}): Client {
	const headers: Record<string, string> = {};
	if (origin) headers.origin = origin;
	if (token) headers.cookie = `${SESSION_COOKIE}=${token}`;
	const client: Client = connect(url, {
		path: '/socket.io',
		transports: ['websocket'],
		extraHeaders: headers,
		reconnection: false,
		forceNew: true,
		timeout: 5000
	});
	clients.push(client);
	return client;
}

/** Resolves with the 'ready' payload, or rejects with the connect error. */
function ready(client: Client): Promise<ReadyPayload> {
	return new Promise((resolve, reject) => {
		client.once('ready', resolve);
		client.once('connect_error', reject);
	});
}

function refused(client: Client): Promise<Error> {
	return new Promise((resolve, reject) => {
		client.once('ready', () =>
			reject(new Error('The server accepted a connection it should refuse.'))
		);
		client.once('connect_error', resolve);
	});
}

function disconnected(client: Client, withinMs = 1000): Promise<string> {
	return new Promise((resolve, reject) => {
		if (!client.connected) return resolve('already disconnected');
		const timer = setTimeout(
			() => reject(new Error(`Still connected after ${withinMs} ms`)),
			withinMs
		);
		client.once('disconnect', (reason) => {
			clearTimeout(timer);
			resolve(reason);
		});
	});
}

/** A round trip the server answers only on a live, authenticated connection. */
function whoami(client: Client): Promise<ReadyPayload> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('No answer to whoami')), 2000);
		client.emit('whoami', (payload) => {
			clearTimeout(timer);
			resolve(payload);
		});
	});
}

function signIn(user: TestUser) {
	return accounts.signIn({ email: user.email, password: FIXTURE_PASSWORD }, '10.9.0.1');
}

async function connected(user: TestUser) {
	const signedIn = await signIn(user);
	const client = open({ token: signedIn.token });
	const payload = await ready(client);
	return { ...signedIn, client, payload };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('socket handshake', () => {
	it('lets a signed-in user on the same origin connect and tells them who they are', async () => {
		const user = await createUser();
		const { client, payload } = await connected(user);
		expect(payload).toEqual({ userId: user.id, displayName: user.displayName });
		expect(await whoami(client)).toEqual({ userId: user.id, displayName: user.displayName });
	});

	it('refuses a connection without a session cookie', async () => {
		const error = await refused(open());
		expect(error.message).toBe('Sign in first.');
	});

	it('refuses a connection with a session token nobody was given', async () => {
		const error = await refused(open({ token: 'a'.repeat(32) }));
		expect(error.message).toMatch(/session has ended/);
	});

	it('refuses a connection from a foreign origin, even with a valid session', async () => {
		const { token } = await signIn(await createUser());
		await refused(open({ token, origin: 'https://evil.example' }));
		expect((await ready(open({ token }))).displayName).toBeTruthy();
	});

	it('refuses a connection that sends no Origin', async () => {
		const { token } = await signIn(await createUser());
		await refused(open({ token, origin: null }));
		expect((await ready(open({ token }))).displayName).toBeTruthy();
	});
});

describe('ending sessions closes their sockets', () => {
	it('disconnects the signed-out session within a second and keeps the other session', async () => {
		const user = await createUser();
		const leaving = await connected(user);
		const staying = await connected(user);
		// What the sign-out action does.
		await invalidateSession(leaving.session.id);
		closeSocketsOfSessions([leaving.session.id]);
		expect(await disconnected(leaving.client)).toBe('io server disconnect');
		await settle();
		expect(staying.client.connected).toBe(true);
		expect((await whoami(staying.client)).userId).toBe(user.id);
		await refused(open({ token: leaving.token }));
	});

	it('disconnects every session on sign-out everywhere', async () => {
		const user = await createUser();
		const bystander = await connected(await createUser());
		const first = await connected(user);
		const second = await connected(user);
		await accounts.signOutEverywhere(user.id);
		await Promise.all([disconnected(first.client), disconnected(second.client)]);
		await settle();
		expect(bystander.client.connected).toBe(true);
		await refused(open({ token: second.token }));
	});

	it('disconnects a session that ends by the clock, and leaves other sessions connected', async () => {
		process.env.SESSION_MAX_SECONDS = '2';
		let ending: Awaited<ReturnType<typeof connected>>;
		try {
			ending = await connected(await createUser());
		} finally {
			delete process.env.SESSION_MAX_SECONDS;
		}
		const lasting = await connected(await createUser());
		expect(await disconnected(ending.client, 5000)).toBe('io server disconnect');
		await refused(open({ token: ending.token }));
		expect(lasting.client.connected).toBe(true);
		expect((await whoami(lasting.client)).displayName).toBeTruthy();
	});

	it('disconnects a disabled account', async () => {
		const user = await createUser();
		const admin = await createUser({ admin: true });
		const { client, token } = await connected(user);
		await accounts.setDisabled(actor(admin), user.id, true);
		await disconnected(client);
		await refused(open({ token }));
	});

	it('disconnects the other sessions on a password change and keeps the current one', async () => {
		const user = await createUser();
		const current = await connected(user);
		const other = await connected(user);
		await accounts.changePassword(
			{ id: user.id, email: user.email, displayName: user.displayName, platformRole: 'user' },
			current.session.id,
			{ currentPassword: FIXTURE_PASSWORD, newPassword: 'quiet lantern meadow' }
		);
		await disconnected(other.client);
		await settle();
		expect(current.client.connected).toBe(true);
		expect((await whoami(current.client)).userId).toBe(user.id);
	});
});

describe('hostile input', () => {
	it('drops a connection that sends a malformed frame and keeps serving others', async () => {
		const { token } = await signIn(await createUser());
		const client = open({ token });
		await ready(client);
		const gone = disconnected(client, 2000);
		// Not a Socket.IO packet: the server's parser rejects it and closes this connection.
		client.io.engine.send('{not a packet');
		expect(await gone).toBe('transport close');
		const again = open({ token });
		expect((await ready(again)).displayName).toBeTruthy();
	});

	it('drops a connection whose raw frame is not even an Engine.IO packet', async () => {
		const { token } = await signIn(await createUser());
		const client = open({ token });
		await ready(client);
		const gone = disconnected(client, 2000);
		const raw = (
			client.io.engine.transport as unknown as { ws: { send(data: string | Buffer): void } }
		).ws;
		raw.send(Buffer.from([0xff, 0x00, 0xfe, 0x01]));
		raw.send('zzz');
		expect(await gone).toBe('transport close');
		const again = open({ token });
		expect((await ready(again)).displayName).toBeTruthy();
	});

	it('drops a connection that sends more than 64 KB at once and keeps serving others', async () => {
		const { token } = await signIn(await createUser());
		const client = open({ token });
		await ready(client);
		const gone = disconnected(client, 2000);
		client.emit('whoami', 'x'.repeat(200 * 1024) as never);
		expect(await gone).toBe('transport close');
		const again = open({ token });
		expect((await ready(again)).displayName).toBeTruthy();
		expect((await whoami(again)).displayName).toBeTruthy();
	});
});
