import * as courseGroups from '$lib/server/course-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** `{ action: 'add' | 'remove', groupId, userIds }`: adds the chosen participants to a course group or takes them out. */
export const POST = endpoint(async (event, user) =>
	courseGroups.bulkGroupMembership(user, uuidParam(event, 'id'), await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['POST']);
