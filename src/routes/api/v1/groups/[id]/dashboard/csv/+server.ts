import * as dashboard from '$lib/server/dashboard';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { csvAttachment, uuidParam } from '$lib/server/api/input';

/** The dashboard as CSV, with the same query as the dashboard. */
export const GET = endpoint(async (event, user) => {
	const id = uuidParam(event, 'id');
	const text = await dashboard.csv(user, id, Object.fromEntries(event.url.searchParams));
	return csvAttachment(text, `progress-${id}.csv`);
});

export const fallback = methodNotAllowed(['GET']);
