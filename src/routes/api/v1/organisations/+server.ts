import * as organisations from '$lib/server/organisations';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';

export const GET = endpoint(async (_event, user) => ({ items: await organisations.list(user) }));

export const POST = endpoint(
	async (event, user) => organisations.create(user, await readJson(event), 'api'),
	{ status: 201 }
);

export const fallback = methodNotAllowed(['GET', 'POST']);
