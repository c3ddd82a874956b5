import type { RequestEvent } from '@sveltejs/kit';
import * as announcements from '$lib/server/announcements';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';
import { notFound } from '$lib/server/errors';
import type { Actor } from '$lib/server/db';

/** The announcement, if it is in this group's feed: another group's id in this URL is not found. */
async function announcementOf(event: RequestEvent, user: Actor) {
	const groupId = uuidParam(event, 'id');
	const announcement = await announcements.get(user, uuidParam(event, 'announcementId'));
	if (announcement.groupId !== groupId) throw notFound();
	return announcement;
}

export const GET = endpoint(async (event, user) => announcementOf(event, user));

/** Edits, reschedules, pins or unpins: any of { title, body, publishAt, pinned }. */
export const PATCH = endpoint(async (event, user) => {
	const current = await announcementOf(event, user);
	return announcements.edit(user, current.id, await readJson(event), 'api', {
		origin: event.url.origin
	});
});

export const DELETE = endpoint(async (event, user) => {
	const current = await announcementOf(event, user);
	await announcements.remove(user, current.id, 'api');
});

export const fallback = methodNotAllowed(['GET', 'PATCH', 'DELETE']);
