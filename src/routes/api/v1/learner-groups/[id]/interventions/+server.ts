import * as learnerGroups from '$lib/server/learner-groups';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** The messages sent to the group: who sent what, when, to how many, seen by how many. */
export const GET = endpoint(async (event, user) => ({
	items: await learnerGroups.interventionHistory(user, uuidParam(event, 'id'))
}));

/** Sends a message to the group's current members (its announcements, live, and email). */
export const POST = endpoint(
	async (event, user) =>
		learnerGroups.sendIntervention(user, uuidParam(event, 'id'), await readJson(event), 'api'),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
