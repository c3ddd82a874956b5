import * as progress from '$lib/server/progress';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { learnerEventBody, uuidParam } from '$lib/server/api/input';
import { parse } from '$lib/server/validate';

/** Records a course view or a post by the caller. */
export const POST = endpoint(
	async (event, user) => {
		const { kind } = parse(learnerEventBody, await readJson(event));
		await progress.recordEvent(user, { kind, courseId: uuidParam(event, 'id') }, 'api');
		return { recorded: true };
	},
	{ status: 201 }
);

export const fallback = methodNotAllowed(['POST']);
