// @ts-check
// Real-time benchmarks (issue 5, bench/README.md), each against a bare Socket.IO server
// (bench/bare-socket-server.js) driven by the same harness in the same run:
//   rt-fanout  1,000 receivers in one group, 100-byte messages through the app's full path
//              (socket → validation → insert under RLS → commit → relay → room): deliveries/s at
//              saturation, and p99 latency with 50,000 deliveries/s offered;
//   rt-send    persisted sends with ack at 1,000 messages/s offered (p50, p99), and the highest
//              sustained persisted rate;
//   rt-channel one busy channel: 50 senders in one group, ack latency (p50, p95, p99) at 50, 125
//              and 200 messages/s offered (every send to the same channel's sequence);
//   rt-conn    memory per authenticated connection joined to its groups.
// Both servers run as child processes (the app's through tests/support/realtime-server.js), the
// clients in this process.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { io as connect } from 'socket.io-client';
import WebSocket from 'ws';
import {
	appModules,
	machine,
	ownerPool,
	quantile,
	quick,
	root,
	round2,
	round3,
	startDatabase,
	wanted,
	writeResults
} from './lib.js';

const RECEIVERS = 1000;
const FANOUT_SENDERS = 4;
const SEND_SENDERS = 100;
const CHANNEL_SENDERS = 50;
const CONN_GROUPS = 3;
const BODY_BYTES = 100;

/** @typedef {import('socket.io-client').Socket} Client */
/** @typedef {{ url: string, memory: () => Promise<NodeJS.MemoryUsage>, stop: () => Promise<void> }} Child */

/**
 * @param {string} script @param {Record<string, string>} env
 * @returns {Promise<Child>}
 */
function startChild(script, env = {}) {
	const child = spawn(process.execPath, ['--expose-gc', script], {
		cwd: root,
		env: { ...process.env, PORT: '0', ORIGIN: '', ALLOWED_ORIGINS: '', ...env },
		stdio: ['ignore', 'pipe', 'pipe', 'ipc']
	});
	let output = '';
	child.stderr?.on('data', (chunk) => {
		output += chunk;
		if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
	});
	return new Promise((resolve, reject) => {
		child.stdout?.on('data', (chunk) => {
			output += chunk;
			const match = output.match(/LISTENING (\d+)/);
			if (!match) return;
			const url = `http://127.0.0.1:${match[1]}`;
			resolve({
				url,
				memory: () =>
					new Promise((done) => {
						child.once('message', (/** @type {{ memory: NodeJS.MemoryUsage }} */ answer) =>
							done(answer.memory)
						);
						child.send('memory');
					}),
				stop: () =>
					new Promise((done) => {
						if (child.exitCode !== null) return done();
						child.once('exit', () => done());
						child.kill('SIGTERM');
						setTimeout(() => child.kill('SIGKILL'), 5000).unref();
					})
			});
		});
		child.once('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
	});
}

/**
 * Opens `count` clients, `batch` at a time. With a token the client is the app's (it waits for
 * 'ready', when the server has joined it to its groups); without, the baseline's (it joins
 * `rooms` itself).
 * @param {string} url @param {(i: number) => { token?: string, rooms?: string[] }} who
 */
async function openClients(url, count, who, batch = 50) {
	/** @type {Client[]} */
	const clients = [];
	for (let start = 0; start < count; start += batch) {
		const opened = await Promise.all(
			Array.from({ length: Math.min(batch, count - start) }, async (_, k) => {
				const { token, rooms = [] } = who(start + k);
				const client = connect(url, {
					path: '/socket.io',
					transports: ['websocket'],
					extraHeaders: token
						? { origin: url, cookie: `tessera_session=${token}` }
						: { origin: url },
					reconnection: false,
					forceNew: true,
					timeout: 20_000
				});
				await new Promise((resolve, reject) => {
					client.once('connect_error', reject);
					if (token) client.once('ready', resolve);
					else client.once('connect', resolve);
				});
				for (const room of rooms) {
					await new Promise((resolve) => client.emit('join', room, resolve));
				}
				return client;
			})
		);
		clients.push(...opened);
	}
	return clients;
}

/**
 * Receivers that speak the Socket.IO wire protocol directly over a WebSocket and never parse a
 * message: they count '42["message:new",…' frames and read the send time from the body. Socket.IO
 * clients in one process cost more CPU than the server they measure; these cost little, on both
 * sides alike.
 * @param {string} url @param {(i: number) => { token?: string, rooms?: string[] }} who
 * @param {(frame: string) => void} onMessage
 */
async function openReceivers(url, count, who, onMessage, batch = 50) {
	/** @type {WebSocket[]} */
	const sockets = [];
	const wsUrl = `${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
	for (let start = 0; start < count; start += batch) {
		const opened = await Promise.all(
			Array.from({ length: Math.min(batch, count - start) }, (_, k) => {
				const { token, rooms = [] } = who(start + k);
				const headers = token
					? { origin: url, cookie: `tessera_session=${token}` }
					: { origin: url };
				const ws = new WebSocket(wsUrl, { headers });
				return new Promise((resolve, reject) => {
					let joined = 0;
					const timer = setTimeout(() => reject(new Error('Receiver did not get ready')), 30_000);
					ws.on('error', reject);
					ws.on('message', (data) => {
						const frame = data.toString();
						if (frame === '2') return ws.send('3');
						if (frame.startsWith('0')) return ws.send('40');
						if (frame.startsWith('40')) {
							if (token) return;
							rooms.forEach((room, i) => ws.send(`42${i}["join",${JSON.stringify(room)}]`));
							if (rooms.length === 0) done();
							return;
						}
						if (frame.startsWith('43')) {
							joined += 1;
							if (joined === rooms.length) done();
							return;
						}
						if (frame.startsWith('42["ready"')) return done();
						if (frame.startsWith('42["message:new"')) onMessage(frame);
					});
					function done() {
						clearTimeout(timer);
						resolve(ws);
					}
				});
			})
		);
		sockets.push(.../** @type {WebSocket[]} */ (opened));
	}
	return sockets;
}

/** The send time written into a body, read from the raw frame. */
function sentAtInFrame(/** @type {string} */ frame) {
	const at = frame.indexOf('"body":"t=');
	return Number(frame.slice(at + 10, frame.indexOf(';', at)));
}

/** @param {Client[]} clients */
function closeAll(clients) {
	for (const client of clients) client.close();
}

/** @param {Client} client @param {unknown} payload @returns {Promise<{ ok: boolean, error?: { code: string } }>} */
function send(client, payload) {
	return new Promise((resolve) => client.emit('message:send', payload, resolve));
}

/** A 100-byte body that carries its send time. */
function body() {
	const head = `t=${performance.now().toFixed(3)};`;
	return head + 'x'.repeat(BODY_BYTES - head.length);
}

/** @param {number[]} values */
function latencyFigures(values) {
	const sorted = values.sort((a, b) => a - b);
	return {
		p50: round3(quantile(sorted, 0.5)),
		p95: round3(quantile(sorted, 0.95)),
		p99: round3(quantile(sorted, 0.99)),
		max: round3(sorted[sorted.length - 1] ?? 0),
		n: sorted.length
	};
}

const pause = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts deliveries of 'message:new' to raw receivers and records their latency. */
function deliveryCounter() {
	const state = {
		count: 0,
		/** @type {number[]} */ latencies: [],
		recordLatency: false,
		/** @type {(() => void) | null} */ onCount: null,
		/** @type {WebSocket[]} */ receivers: [],
		receive: (/** @type {string} */ frame) => {
			state.count += 1;
			if (state.recordLatency) state.latencies.push(performance.now() - sentAtInFrame(frame));
			state.onCount?.();
		}
	};
	return state;
}

/**
 * @param {ReturnType<typeof deliveryCounter>} counter @param {number} target
 * @param {number} [timeout]
 */
function waitForDeliveries(counter, target, timeout = 180_000) {
	return new Promise((resolve, reject) => {
		if (counter.count >= target) return resolve(undefined);
		const timer = setTimeout(
			() => reject(new Error(`Only ${counter.count} of ${target} deliveries arrived`)),
			timeout
		);
		counter.onCount = () => {
			if (counter.count >= target) {
				clearTimeout(timer);
				counter.onCount = null;
				resolve(undefined);
			}
		};
	});
}

/**
 * Saturation: the senders send `messages` in all, each keeping one in flight (the app stores a
 * socket's sends in order, one at a time); deliveries/s until the last of them arrives.
 * @param {{ senders: Client[], counter: ReturnType<typeof deliveryCounter>, payload: () => object }} side
 */
async function saturate(side, messages) {
	side.counter.count = 0;
	side.counter.recordLatency = false;
	const target = messages * RECEIVERS;
	const arrived = waitForDeliveries(side.counter, target);
	const started = performance.now();
	const perSender = Math.ceil(messages / side.senders.length);
	let left = messages;
	await Promise.all(
		side.senders.map(async (sender) => {
			for (let i = 0; i < perSender && left > 0; i++) {
				left -= 1;
				const answer = await send(sender, { ...side.payload(), body: body() });
				if (!answer.ok) throw new Error(`Send refused: ${JSON.stringify(answer)}`);
			}
		})
	);
	await arrived;
	return target / ((performance.now() - started) / 1000);
}

/**
 * Paced: `rate` messages/s for `seconds`, spread over the senders; latency of every delivery.
 * @param {{ senders: Client[], counter: ReturnType<typeof deliveryCounter>, payload: () => object }} side
 */
async function paced(side, rate, seconds) {
	side.counter.count = 0;
	side.counter.latencies = [];
	side.counter.recordLatency = true;
	const total = Math.round(rate * seconds);
	const arrived = waitForDeliveries(side.counter, total * RECEIVERS);
	const started = performance.now();
	/** @type {Promise<unknown>[]} */
	const sends = [];
	for (let i = 0; i < total; i++) {
		const due = started + (i * 1000) / rate;
		const wait = due - performance.now();
		if (wait > 1) await pause(wait);
		sends.push(send(side.senders[i % side.senders.length], { ...side.payload(), body: body() }));
	}
	await Promise.all(sends);
	await arrived;
	side.counter.recordLatency = false;
	return latencyFigures(side.counter.latencies);
}

/**
 * Ack latency at `rate` sends/s offered, spread over the senders, each to its own group.
 * @param {{ senders: Client[], payloadFor: (i: number) => object }} side
 */
async function pacedSends(side, rate, seconds) {
	const total = Math.round(rate * seconds);
	/** @type {number[]} */
	const latencies = [];
	const started = performance.now();
	/** @type {Promise<unknown>[]} */
	const sends = [];
	let refused = 0;
	for (let i = 0; i < total; i++) {
		const due = started + (i * 1000) / rate;
		const wait = due - performance.now();
		if (wait > 1) await pause(wait);
		const k = i % side.senders.length;
		const t = performance.now();
		sends.push(
			send(side.senders[k], { ...side.payloadFor(k), body: body() }).then((answer) => {
				if (!answer.ok) refused += 1;
				latencies.push(performance.now() - t);
			})
		);
	}
	await Promise.all(sends);
	return { offered: rate, ...latencyFigures(latencies), refused };
}

/**
 * Closed loop: every sender sends, awaits the ack, sends again, for `seconds`.
 * @param {{ senders: Client[], payloadFor: (i: number) => object }} side
 */
async function sustained(side, seconds) {
	let acked = 0;
	const until = performance.now() + seconds * 1000;
	const started = performance.now();
	await Promise.all(
		side.senders.map(async (sender, k) => {
			while (performance.now() < until) {
				const answer = await send(sender, { ...side.payloadFor(k), body: body() });
				if (!answer.ok) throw new Error(`Send refused: ${JSON.stringify(answer)}`);
				acked += 1;
			}
		})
	);
	return { acked, perSecond: round2(acked / ((performance.now() - started) / 1000)) };
}

/** @param {NodeJS.MemoryUsage} before @param {NodeJS.MemoryUsage} after */
function perConnection(before, after, count) {
	const heap = after.heapUsed + after.external - (before.heapUsed + before.external);
	return {
		heapAndExternalBytes: Math.round(heap / count),
		rssBytes: Math.round((after.rss - before.rss) / count)
	};
}

async function main() {
	const loadBefore = os.loadavg()[0];
	const { adminUrl, stop } = await startDatabase();
	const owner = ownerPool(adminUrl);
	const vite = await appModules();
	/** @type {Record<string, unknown>} */
	const results = {};
	/** @type {Child[]} */
	const children = [];
	try {
		// Data: one organisation; a fan-out group with 1,000 receivers and 4 senders; 100 send
		// groups of one sender each; every receiver also in two more groups (3 rooms each).
		const [org] = await owner`
			insert into public.organisations (name, slug) values ('Bench realtime', 'bench-realtime') returning id`;
		const users = await owner`
			insert into public.users (email, display_name)
			select 'rt' || i || '@bench.test', 'Bench Person ' || i
			from generate_series(1, ${RECEIVERS + FANOUT_SENDERS + SEND_SENDERS + CHANNEL_SENDERS}) as i
			returning id`;
		const userIds = users.map((u) => u.id);
		const receiverIds = userIds.slice(0, RECEIVERS);
		const fanoutSenderIds = userIds.slice(RECEIVERS, RECEIVERS + FANOUT_SENDERS);
		const sendSenderIds = userIds.slice(
			RECEIVERS + FANOUT_SENDERS,
			RECEIVERS + FANOUT_SENDERS + SEND_SENDERS
		);
		const channelSenderIds = userIds.slice(RECEIVERS + FANOUT_SENDERS + SEND_SENDERS);
		const groups = await owner`
			insert into public.groups (scope, organisation_id, name)
			select 'organisation', ${org.id}, 'Bench group ' || i from generate_series(1, ${3 + SEND_SENDERS}) as i
			returning id`;
		const [fanoutGroup, extraGroup, channelGroup, ...sendGroups] = groups.map((g) => g.id);
		await owner`
			insert into public.group_members (group_id, user_id)
			select ${fanoutGroup}, unnest(${[...receiverIds, ...fanoutSenderIds]}::uuid[])`;
		await owner`
			insert into public.group_members (group_id, user_id)
			select ${extraGroup}, unnest(${receiverIds}::uuid[])`;
		const extraChildren = await owner`
			insert into public.groups (scope, organisation_id, parent_id, name)
			values ('organisation', ${org.id}, ${extraGroup}, 'Bench sub-group') returning id`;
		await owner`
			insert into public.group_members (group_id, user_id)
			select ${extraChildren[0].id}, unnest(${receiverIds}::uuid[])`;
		await owner`
			insert into public.group_members (group_id, user_id)
			select unnest(${sendGroups}::uuid[]), unnest(${sendSenderIds}::uuid[])`;
		await owner`
			insert into public.group_members (group_id, user_id)
			select ${channelGroup}, unnest(${channelSenderIds}::uuid[])`;
		const channels = await owner`
			select group_id, id from public.channels where name = 'general' and group_id = any(${groups.map((g) => g.id)}::uuid[])`;
		const generalOf = new Map(channels.map((c) => [c.group_id, c.id]));
		await owner`vacuum analyze`;

		const { createSession } = await vite.ssrLoadModule('/src/lib/server/auth/session.ts');
		const db = await vite.ssrLoadModule('/src/lib/server/db/index.ts');
		/** @type {Map<string, string>} */
		const tokens = new Map();
		await db.asService(async (/** @type {import('postgres').Sql} */ tx) => {
			for (const id of userIds) tokens.set(id, (await createSession(tx, id)).token);
		});
		await db.closePool();

		const appEnv = {
			// The per-person limits are policy, not cost: lifted so the bench measures the path.
			CHAT_RATE_BURST: '1000000000',
			CHAT_RATE_PER_SECOND: '1000000000',
			SOCKET_EVENT_BURST: '1000000000',
			SOCKET_EVENTS_PER_SECOND: '1000000000'
		};
		const appScript = path.join(root, 'tests/support/realtime-server.js');
		const bareScript = path.join(root, 'bench/bare-socket-server.js');

		if (wanted('rt-conn')) {
			const count = quick ? 300 : RECEIVERS;
			/** @type {Record<string, ReturnType<typeof perConnection>>} */
			const sides = {};
			for (const side of ['baseline', 'ours']) {
				const server = await startChild(side === 'ours' ? appScript : bareScript, appEnv);
				children.push(server);
				const who = (/** @type {number} */ i) =>
					side === 'ours'
						? { token: tokens.get(receiverIds[i]) }
						: { rooms: [fanoutGroup, extraGroup, extraChildren[0].id] };
				// Warm-up: the first connections fill the database pool and the code caches.
				closeAll(await openClients(server.url, 100, who));
				await pause(1000);
				const before = await server.memory();
				const clients = await openClients(server.url, count, who);
				await pause(1000);
				const after = await server.memory();
				sides[side] = perConnection(before, after, count);
				closeAll(clients);
				await server.stop();
			}
			const ratio = round2(sides.ours.heapAndExternalBytes / sides.baseline.heapAndExternalBytes);
			console.log(`BENCH rt-conn ratio=${ratio.toFixed(2)}`);
			console.log(
				`  memory per connection (heap + external, after GC), ${count} connections, each user in ${CONN_GROUPS} groups`
			);
			console.log(`  ours:     ${JSON.stringify(sides.ours)}`);
			console.log(`  baseline: ${JSON.stringify(sides.baseline)}`);
			console.log(`  target:   ratio <= 1.50 (${ratio <= 1.5 ? 'met' : 'MISSED'})`);
			results['rt-conn'] = { ...sides, ratio, target: 1.5, met: ratio <= 1.5, connections: count };
		}

		if (wanted('rt-fanout')) {
			const messages = quick ? 60 : 300;
			const pacedSeconds = quick ? 2 : 5;
			const bare = await startChild(bareScript);
			const app = await startChild(appScript, appEnv);
			children.push(bare, app);
			const channelId = generalOf.get(fanoutGroup);
			const counters = { baseline: deliveryCounter(), ours: deliveryCounter() };
			counters.baseline.receivers = await openReceivers(
				bare.url,
				RECEIVERS,
				() => ({ rooms: [fanoutGroup] }),
				counters.baseline.receive
			);
			counters.ours.receivers = await openReceivers(
				app.url,
				RECEIVERS,
				(i) => ({ token: tokens.get(receiverIds[i]) }),
				counters.ours.receive
			);
			const sides = {
				baseline: {
					senders: await openClients(bare.url, FANOUT_SENDERS, () => ({ rooms: [fanoutGroup] })),
					counter: counters.baseline,
					payload: () => ({ channelId, groupId: fanoutGroup, clientId: randomUUID() })
				},
				ours: {
					senders: await openClients(app.url, FANOUT_SENDERS, (i) => ({
						token: tokens.get(fanoutSenderIds[i])
					})),
					counter: counters.ours,
					payload: () => ({ channelId, clientId: randomUUID() })
				}
			};
			// Warm-up, then alternating rounds.
			await saturate(sides.baseline, 20);
			await saturate(sides.ours, 20);
			/** @type {Record<string, number[]>} */
			const rates = { baseline: [], ours: [] };
			for (let round = 0; round < 2; round++) {
				const order = round % 2 === 0 ? ['baseline', 'ours'] : ['ours', 'baseline'];
				for (const side of order) {
					rates[side].push(
						await saturate(sides[/** @type {'ours' | 'baseline'} */ (side)], messages / 2)
					);
				}
			}
			const mean = (/** @type {number[]} */ xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
			const saturation = { baseline: round2(mean(rates.baseline)), ours: round2(mean(rates.ours)) };
			const latency = {
				baseline: await paced(sides.baseline, 50, pacedSeconds),
				ours: await paced(sides.ours, 50, pacedSeconds)
			};
			const ratio = round2(saturation.ours / saturation.baseline);
			console.log(`BENCH rt-fanout ratio=${ratio.toFixed(2)}`);
			console.log(
				`  deliveries/s at saturation to ${RECEIVERS} receivers (${BODY_BYTES}-byte bodies), then latency at 50 messages/s = 50,000 deliveries/s`
			);
			console.log(
				`  ours:     ${saturation.ours} deliveries/s; at 50k/s p50=${latency.ours.p50}ms p99=${latency.ours.p99}ms (n=${latency.ours.n})`
			);
			console.log(
				`  baseline: ${saturation.baseline} deliveries/s; at 50k/s p50=${latency.baseline.p50}ms p99=${latency.baseline.p99}ms (n=${latency.baseline.n})`
			);
			console.log(`  target:   ratio >= 0.85 (${ratio >= 0.85 ? 'met' : 'MISSED'})`);
			results['rt-fanout'] = {
				saturation,
				latencyAt50k: latency,
				ratio,
				target: 0.85,
				met: ratio >= 0.85
			};
			closeAll([...sides.baseline.senders, ...sides.ours.senders]);
			for (const ws of [...counters.baseline.receivers, ...counters.ours.receivers]) ws.terminate();
			await Promise.all([bare.stop(), app.stop()]);
		}

		if (wanted('rt-channel')) {
			const seconds = quick ? 2 : 5;
			const bare = await startChild(bareScript);
			const app = await startChild(appScript, appEnv);
			children.push(bare, app);
			const channelId = generalOf.get(channelGroup);
			const sides = {
				baseline: {
					senders: await openClients(bare.url, CHANNEL_SENDERS, () => ({ rooms: [channelGroup] })),
					payloadFor: () => ({ channelId, groupId: channelGroup, clientId: randomUUID() })
				},
				ours: {
					senders: await openClients(app.url, CHANNEL_SENDERS, (i) => ({
						token: tokens.get(channelSenderIds[i])
					})),
					payloadFor: () => ({ channelId, clientId: randomUUID() })
				}
			};
			await pacedSends(sides.ours, 50, 1);
			await pacedSends(sides.baseline, 50, 1);
			/** @type {Record<string, { baseline: Awaited<ReturnType<typeof pacedSends>>, ours: Awaited<ReturnType<typeof pacedSends>> }>} */
			const rates = {};
			for (const rate of [50, 125, 200]) {
				rates[rate] = {
					baseline: await pacedSends(sides.baseline, rate, seconds),
					ours: await pacedSends(sides.ours, rate, seconds)
				};
			}
			const at200 = rates[200];
			const ratio = round2(at200.baseline.p99 / Math.max(at200.ours.p99, 0.001));
			const met = at200.ours.p99 <= 50;
			console.log(`BENCH rt-channel ratio=${ratio.toFixed(2)}`);
			console.log(
				`  ${CHANNEL_SENDERS} senders in one group, one channel: ack latency by rate offered (ratio = baseline p99 / ours at 200/s)`
			);
			for (const [rate, sides] of Object.entries(rates)) {
				console.log(
					`  at ${rate}/s: ours p50=${sides.ours.p50}ms p95=${sides.ours.p95}ms p99=${sides.ours.p99}ms (refused ${sides.ours.refused}); baseline p50=${sides.baseline.p50}ms p99=${sides.baseline.p99}ms`
				);
			}
			console.log(`  target:   p99 <= 50 ms at 200/s (${met ? 'met' : 'MISSED'})`);
			results['rt-channel'] = { rates, ratio, met };
			closeAll([...sides.baseline.senders, ...sides.ours.senders]);
			await Promise.all([bare.stop(), app.stop()]);
		}

		if (wanted('rt-send')) {
			const seconds = quick ? 2 : 5;
			const bare = await startChild(bareScript);
			const app = await startChild(appScript, appEnv);
			children.push(bare, app);
			const sides = {
				baseline: {
					senders: await openClients(bare.url, SEND_SENDERS, (i) => ({ rooms: [sendGroups[i]] })),
					payloadFor: (/** @type {number} */ k) => ({
						channelId: generalOf.get(sendGroups[k]),
						groupId: sendGroups[k],
						clientId: randomUUID()
					})
				},
				ours: {
					senders: await openClients(app.url, SEND_SENDERS, (i) => ({
						token: tokens.get(sendSenderIds[i])
					})),
					payloadFor: (/** @type {number} */ k) => ({
						channelId: generalOf.get(sendGroups[k]),
						clientId: randomUUID()
					})
				}
			};
			const [{ before }] = await owner`select count(*)::int as before from public.messages`;
			await pacedSends(sides.ours, 200, 1);
			await pacedSends(sides.baseline, 200, 1);
			// Unloaded: what one send costs end to end, without queueing.
			const at20 = {
				baseline: await pacedSends(sides.baseline, 20, 3),
				ours: await pacedSends(sides.ours, 20, 3)
			};
			const at1000 = {
				baseline: await pacedSends(sides.baseline, 1000, seconds),
				ours: await pacedSends(sides.ours, 1000, seconds)
			};
			const top = {
				baseline: await sustained(sides.baseline, seconds),
				ours: await sustained(sides.ours, seconds)
			};
			const [{ after }] = await owner`select count(*)::int as after from public.messages`;
			const persisted = after - before;
			const ratio = round2(top.ours.perSecond / top.baseline.perSecond);
			const met = at1000.ours.p99 <= 10 && top.ours.perSecond >= 3000;
			console.log(`BENCH rt-send ratio=${ratio.toFixed(2)}`);
			console.log(
				`  persisted sends with ack from ${SEND_SENDERS} sockets (one group each): latency at 1,000/s offered, then the closed-loop rate`
			);
			console.log(
				`  unloaded: at 20/s ours p50=${at20.ours.p50}ms p99=${at20.ours.p99}ms; baseline p50=${at20.baseline.p50}ms p99=${at20.baseline.p99}ms`
			);
			console.log(
				`  ours:     at 1,000/s p50=${at1000.ours.p50}ms p99=${at1000.ours.p99}ms (n=${at1000.ours.n}, refused ${at1000.ours.refused}); sustained ${top.ours.perSecond}/s`
			);
			console.log(
				`  baseline: at 1,000/s p50=${at1000.baseline.p50}ms p99=${at1000.baseline.p99}ms; sustained ${top.baseline.perSecond}/s (no database)`
			);
			console.log(
				`  stored:   ${persisted} messages (every acked send of the app side, and the warm-up)`
			);
			console.log(
				`  target:   p99 <= 10 ms at 1,000/s and >= 3,000/s sustained (${met ? 'met' : 'MISSED'})`
			);
			results['rt-send'] = { at20, at1000, sustained: top, persisted, ratio, met };
			closeAll([...sides.baseline.senders, ...sides.ours.senders]);
			await Promise.all([bare.stop(), app.stop()]);
		}

		// The figures mean little on a machine busy with other work: say how busy it was.
		const load = { before: round2(loadBefore), after: round2(os.loadavg()[0]) };
		console.log(
			`Load average (1 min) before ${load.before}, after ${load.after}, on ${os.cpus().length} cores`
		);
		const out = { machine: { ...(await machine(owner)), load }, quick, results };
		console.log(`Results written to ${writeResults('realtime-latest.json', out)}`);
	} finally {
		await Promise.all(children.map((child) => child.stop().catch(() => {})));
		await vite.close();
		await owner.end();
		await stop();
	}
	process.exit(0);
}

await main();
