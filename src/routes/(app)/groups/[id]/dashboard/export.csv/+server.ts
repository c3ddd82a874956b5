import * as dashboard from '$lib/server/dashboard';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { RequestHandler } from './$types';

/** The dashboard as it is filtered and sorted on screen, as a CSV download. */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const options = Object.fromEntries(
		['courseId', 'sort', 'direction', 'filter', 'search']
			.map((name) => [name, event.url.searchParams.get(name)])
			.filter(([, value]) => value)
	);
	const body = await orErrorPage(dashboard.csv(user, event.params.id, options));
	const day = new Date().toISOString().slice(0, 10);
	return new Response(body, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="dashboard-${event.params.id.slice(0, 8)}-${day}.csv"`,
			'cache-control': 'no-store'
		}
	});
};
