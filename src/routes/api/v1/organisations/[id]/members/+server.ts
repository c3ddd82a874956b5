import * as organisations from '$lib/server/organisations';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

export const GET = endpoint(async (event, user) => ({
	items: await organisations.listMembers(user, uuidParam(event, 'id'))
}));

/** Adds a person by email, or changes the role of someone who is already a member. */
export const POST = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const { userId } = await organisations.addMember(user, id, await readJson(event), 'api');
	const members = await organisations.listMembers(user, id);
	return members.find((member) => member.userId === userId);
});

export const fallback = methodNotAllowed(['GET', 'POST']);
