import { error, json } from '@sveltejs/kit';
import * as learnerGroups from '$lib/server/learner-groups';
import { DomainError } from '$lib/server/errors';
import type { RequestHandler } from './$types';

/** The editor's live preview: how many people match a criteria document now, and a few names. */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	if (!locals.user || locals.via !== 'app') error(401, { message: 'Sign in first.' });
	let body: unknown;
	try {
		body = await request.json();
	} catch {
		return json({ message: 'Send the criteria as JSON.' }, { status: 400 });
	}
	try {
		return json(await learnerGroups.preview(locals.user, params.id, body));
	} catch (caught) {
		if (caught instanceof DomainError) {
			return json({ message: caught.message, issues: caught.issues }, { status: caught.status });
		}
		throw caught;
	}
};
