import * as announcements from '$lib/server/announcements';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { announcementsSeenBody, uuidParam } from '$lib/server/api/input';
import { parse } from '$lib/server/validate';
import { requireAccess } from '$lib/server/access';
import { readAs } from '$lib/server/db';

/** Marks announcements as seen by the caller: { ids: [...] }. */
export const POST = endpoint(async (event, user) => {
	const groupId = uuidParam(event, 'id');
	await readAs(user, (tx) => requireAccess(tx, 'group.read', groupId));
	const { ids } = parse(announcementsSeenBody, await readJson(event));
	return announcements.markSeen(user, ids);
});

export const fallback = methodNotAllowed(['POST']);
