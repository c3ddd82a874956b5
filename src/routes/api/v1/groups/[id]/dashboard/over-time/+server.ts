import * as dashboard from '$lib/server/dashboard';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';

/** Completions per day and pooled progress at each day's end; query: courseId, days (1–365, default 30). */
export const GET = endpoint(async (event, user) => ({
	items: await dashboard.overTime(user, uuidParam(event, 'id'), {
		courseId: event.url.searchParams.get('courseId'),
		days: Number(event.url.searchParams.get('days') ?? 30)
	})
}));

export const fallback = methodNotAllowed(['GET']);
