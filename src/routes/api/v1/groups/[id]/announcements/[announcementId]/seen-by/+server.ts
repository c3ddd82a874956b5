import * as announcements from '$lib/server/announcements';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';
import { notFound } from '$lib/server/errors';

/** "Seen by N of M" and who, for those who may post announcements in the group. */
export const GET = endpoint(async (event, user) => {
	const groupId = uuidParam(event, 'id');
	const current = await announcements.get(user, uuidParam(event, 'announcementId'));
	if (current.groupId !== groupId) throw notFound();
	return announcements.seenBy(user, current.id);
});

export const fallback = methodNotAllowed(['GET']);
