import * as progress from '$lib/server/progress';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';

/** A batch of completion and score statements from another system, with a result per statement. */
export const POST = endpoint(async (event, user) =>
	progress.ingest(user, await readJson(event), 'api')
);

export const fallback = methodNotAllowed(['POST']);
