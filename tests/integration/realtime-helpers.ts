import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { createSession, SESSION_COOKIE } from '$lib/server/auth/session';
import { asService } from '$lib/server/db';
import type {
	ClientToServerEvents,
	ReadyPayload,
	ServerToClientEvents
} from '$lib/realtime/events';
import {
	attachSocketServer,
	closeSocketServer,
	socketServerReady
} from '$lib/server/realtime/server';
import type { TestUser } from './helpers';

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A real Socket.IO server of the app on a random port, in this test process. */
export async function startServer(): Promise<{ url: string; close: () => Promise<void> }> {
	const saved = { ORIGIN: process.env.ORIGIN, ALLOWED_ORIGINS: process.env.ALLOWED_ORIGINS };
	delete process.env.ORIGIN;
	delete process.env.ALLOWED_ORIGINS;
	const httpServer: HttpServer = createServer();
	attachSocketServer(httpServer);
	await socketServerReady();
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
	return {
		url,
		close: async () => {
			await closeSocketServer();
			for (const [key, value] of Object.entries(saved)) {
				if (value === undefined) delete process.env[key];
				else process.env[key] = value;
			}
		}
	};
}

/** A session for `user`, as signing in makes one (without hashing a password per test client). */
export function signIn(user: TestUser) {
	return asService((tx) => createSession(tx, user.id));
}

export function open(
	url: string,
	{ token, origin = url }: { token?: string; origin?: string | null } = {},
	options: { reconnection?: boolean } = {}
): Client {
	const headers: Record<string, string> = {};
	if (origin) headers.origin = origin;
	if (token) headers.cookie = `${SESSION_COOKIE}=${token}`;
	return connect(url, {
		path: '/socket.io',
		transports: ['websocket'],
		extraHeaders: headers,
		reconnection: options.reconnection ?? false,
		reconnectionDelay: 100,
		reconnectionDelayMax: 500,
		forceNew: true,
		timeout: 5000
	});
}

export function ready(client: Client): Promise<ReadyPayload> {
	return new Promise((resolve, reject) => {
		client.once('ready', resolve);
		client.once('connect_error', reject);
	});
}

/** Signs `user` in and opens a socket that is in all its rooms. */
export async function connectAs(url: string, user: TestUser, clients?: Client[]) {
	const { token } = await signIn(user);
	const client = open(url, { token });
	clients?.push(client);
	await ready(client);
	return client;
}

/** Emits with an ack and resolves with the server's answer (or rejects after `ms`). */
export function request<T = Record<string, unknown>>(
	client: Client,
	event: string,
	payload: unknown,
	ms = 5000
): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`No answer to ${event} in ${ms} ms`)), ms);
		(client.emit as (event: string, ...args: unknown[]) => void)(event, payload, (result: T) => {
			clearTimeout(timer);
			resolve(result);
		});
	});
}

/** Collects every `event` a client receives. */
export function collect<T>(client: Client, event: keyof ServerToClientEvents): T[] {
	const seen: T[] = [];
	(client.on as (event: string, listener: (payload: T) => void) => void)(event, (payload) =>
		seen.push(payload)
	);
	return seen;
}

/** Resolves with the next `event` that passes `match`, or rejects after `ms`. */
export function next<T>(
	client: Client,
	event: keyof ServerToClientEvents,
	match: (payload: T) => boolean = () => true,
	ms = 5000
): Promise<T> {
	return new Promise((resolve, reject) => {
		const listener = (payload: T) => {
			if (!match(payload)) return;
			clearTimeout(timer);
			(client.off as (event: string, listener: (payload: T) => void) => void)(event, listener);
			resolve(payload);
		};
		const timer = setTimeout(() => {
			(client.off as (event: string, listener: (payload: T) => void) => void)(event, listener);
			reject(new Error(`No ${event} within ${ms} ms`));
		}, ms);
		(client.on as (event: string, listener: (payload: T) => void) => void)(event, listener);
	});
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `log` (from `collect`) holds an entry passing `match`, or rejects after `ms`. */
export async function arrived<T>(log: T[], match: (item: T) => boolean, ms = 5000): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const found = log.find(match);
		if (found) return found;
		if (Date.now() > deadline) throw new Error(`Not arrived within ${ms} ms`);
		await pause(20);
	}
}
