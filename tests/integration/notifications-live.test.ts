import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationItem } from '$lib/realtime/events';
import * as memberships from '$lib/server/memberships';
import * as notifications from '$lib/server/notifications';
import { groupCast, type Cast } from './group-cast';
import { actor, ownerDb } from './helpers';
import { collect, connectAs, next, pause, startServer, type Client } from './realtime-helpers';

// New notifications reach their person's sockets, and only theirs, through a real Socket.IO
// client connected to the app's socket server, whichever path wrote them.

type New = { notification: NotificationItem; unread: number };

let cast: Cast;
let server: Awaited<ReturnType<typeof startServer>>;
const clients: Client[] = [];

beforeAll(async () => {
	process.env.MEMBERSHIP_SWEEP_MS = '600000';
	cast = await groupCast();
	server = await startServer();
});

afterAll(async () => {
	for (const client of clients) client.disconnect();
	await server.close();
});

describe('live notifications', () => {
	it('pushes a new notification with the unread count to every device of its person, and to nobody else', async () => {
		const [phone, laptop, leader, stranger] = await Promise.all(
			[cast.outsider, cast.outsider, cast.leaderH, cast.learnerH].map((user) =>
				connectAs(server.url, user, clients)
			)
		);
		const others = [
			collect<New>(leader, 'notification:new'),
			collect<New>(stranger, 'notification:new')
		];
		const before = await notifications.unreadCount(actor(cast.outsider));
		const arrivals = Promise.all(
			[phone, laptop].map((client) =>
				next<New>(
					client,
					'notification:new',
					(payload) => payload.notification.groupId === cast.H.id
				)
			)
		);
		await ownerDb()`update public.groups set leaders_manage_members = true where id = ${cast.H.id}`;
		await memberships.add(actor(cast.leaderH), cast.H.id, { userIds: [cast.outsider.id] });
		for (const payload of await arrivals) {
			expect(payload).toMatchObject({
				unread: before + 1,
				notification: {
					kind: 'membership_added',
					title: 'leaderH added you to Cohort 2025',
					link: `/groups/${cast.H.id}`,
					readAt: null
				}
			});
		}

		// A write straight in the database (any code path) is pushed too.
		const direct = next<New>(phone, 'notification:new', (payload) =>
			payload.notification.title.startsWith('Written by hand')
		);
		await ownerDb()`
			insert into public.notifications (user_id, kind, title, link)
			values (${cast.outsider.id}, 'membership_added', 'Written by hand', '/')`;
		expect((await direct).unread).toBe(before + 2);

		// Reading on one device updates the other's count.
		const read = next<{ ids: string[] | 'all'; unread: number }>(laptop, 'notification:read');
		await notifications.markRead(actor(cast.outsider), { all: true });
		expect(await read).toEqual({ ids: 'all', unread: 0 });

		await pause(300);
		expect(others.flat()).toEqual([]);
	});
});
