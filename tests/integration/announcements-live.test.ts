import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnnouncementPayload } from '$lib/realtime/events';
import * as announcements from '$lib/server/announcements';
import { startJobs, stopJobs } from '$lib/server/background';
import { groupCast, type Cast } from './group-cast';
import { actor } from './helpers';
import { collect, connectAs, next, pause, startServer, type Client } from './realtime-helpers';

// Announcements arrive live through a real Socket.IO client connected to the app's socket server.

let cast: Cast;
let server: Awaited<ReturnType<typeof startServer>>;
const clients: Client[] = [];

beforeAll(async () => {
	process.env.MEMBERSHIP_SWEEP_MS = '600000';
	cast = await groupCast();
	server = await startServer();
	await startJobs();
});

afterAll(async () => {
	for (const client of clients) client.disconnect();
	await stopJobs();
	await server.close();
});

describe('live announcements', () => {
	it('reaches the group’s members (sub-groups included) at once, and nobody outside it', async () => {
		const [learnerG, learnerG1a, learnerH, outsider] = await Promise.all(
			[cast.learnerG, cast.learnerG1a, cast.learnerH, cast.outsider].map((user) =>
				connectAs(server.url, user, clients)
			)
		);
		const strangers = [
			collect<AnnouncementPayload>(learnerH, 'announcement:new'),
			collect<AnnouncementPayload>(outsider, 'announcement:new')
		];
		const arrivals = Promise.all(
			[learnerG, learnerG1a].map((client) =>
				next<AnnouncementPayload>(
					client,
					'announcement:new',
					(payload) => payload.title === 'Live now'
				)
			)
		);
		const posted = await announcements.create(actor(cast.leaderG), cast.G.id, {
			title: 'Live now',
			body: 'Room 2.14 today.'
		});
		const [first, second] = await arrivals;
		expect(first).toMatchObject({
			id: posted.id,
			groupId: cast.G.id,
			title: 'Live now',
			body: 'Room 2.14 today.',
			author: { id: cast.leaderG.id, displayName: 'leaderG' },
			publishedAt: expect.any(String)
		});
		expect(second.id).toBe(posted.id);
		await pause(300);
		expect(strangers.flat()).toEqual([]);
	});

	it('arrives when a scheduled announcement comes due, not before', async () => {
		const client = await connectAs(server.url, cast.learnerH, clients);
		const seen = collect<AnnouncementPayload>(client, 'announcement:new');
		const posted = await announcements.create(actor(cast.leaderH), cast.H.id, {
			title: 'In two seconds',
			body: 'Wait for it.',
			publishAt: new Date(Date.now() + 2000).toISOString()
		});
		await pause(500);
		expect(seen.filter((payload) => payload.id === posted.id)).toEqual([]);
		const arrived = await next<AnnouncementPayload>(
			client,
			'announcement:new',
			(payload) => payload.id === posted.id,
			15_000
		);
		expect(arrived.title).toBe('In two seconds');
	});
});
