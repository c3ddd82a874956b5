import * as cohorts from '$lib/server/cohorts';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => ({
	items: await cohorts.listForCourse(user, uuidParam(event, 'id'))
}));

/**
 * Links a group (sub-groups included): its members are enrolled now and kept in step. With
 * `groupIds` instead of `groupId`, links several at once (all or none) and answers `{ items }`.
 */
export const POST = endpoint(
	async (event, user) => {
		const body = await readJson(event);
		const courseId = uuidParam(event, 'id');
		if (body && typeof body === 'object' && 'groupIds' in body) {
			return { items: await cohorts.linkMany(user, courseId, body, 'api') };
		}
		return cohorts.link(user, courseId, body, 'api');
	},
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
