import * as courses from '$lib/server/courses';
import * as organisations from '$lib/server/organisations';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => {
	// An organisation the caller cannot see is a 404, not an empty list.
	const organisation = await organisations.get(user, uuidParam(event, 'id'));
	return { items: await courses.list(user, organisation.id) };
});

export const POST = endpoint(
	async (event, user) => {
		const { id } = await courses.create(user, uuidParam(event, 'id'), await readJson(event), 'api');
		return courses.get(user, id);
	},
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
