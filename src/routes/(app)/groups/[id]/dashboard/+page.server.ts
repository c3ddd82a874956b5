import * as dashboard from '$lib/server/dashboard';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { PageServerLoad } from './$types';

const PARAMS = ['courseId', 'sort', 'direction', 'filter', 'search'] as const;

/** The dashboard's options from the query string (unknown values fall back to the defaults). */
function optionsFrom(url: URL) {
	const options: Record<string, string> = {};
	for (const name of PARAMS) {
		const value = url.searchParams.get(name);
		if (value) options[name] = value;
	}
	if (!(dashboard.sorts as readonly string[]).includes(options.sort)) delete options.sort;
	if (!(dashboard.filters as readonly string[]).includes(options.filter)) delete options.filter;
	if (options.direction !== 'asc' && options.direction !== 'desc') delete options.direction;
	return options;
}

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const options = optionsFrom(event.url);
	const courseId = options.courseId ?? null;
	const { board, buckets, overTime } = await orErrorPage(
		dashboard.page(user, event.params.id, options, 30)
	);
	return {
		board,
		buckets,
		overTime,
		options: {
			courseId: courseId ?? '',
			sort: options.sort ?? 'name',
			direction: options.direction ?? 'asc',
			filter: options.filter ?? 'all',
			search: options.search ?? ''
		}
	};
};
