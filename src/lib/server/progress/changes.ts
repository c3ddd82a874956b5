import { asService } from '$lib/server/db';
import { emitToUsers } from '$lib/server/realtime/notify';

/**
 * Who to tell that a dashboard changed: the leaders who follow these learners in these courses
 * and the courses' staff, by the database's rule (private.progress_watcher_ids).
 */
async function watchers(courseIds: string[], userIds: string[]): Promise<string[]> {
	return asService(async (tx) => {
		const rows = await tx<{ id: string }[]>`
			select id::text from private.progress_watcher_ids(${courseIds}::uuid[], ${userIds}::uuid[]) as id`;
		return rows.map((row) => row.id);
	});
}

/**
 * After a commit that changed completions: tells the dashboards watching these learners to
 * reload. (Learner groups hear of it from the database: see learner-groups/freshness.ts.) Never
 * throws: the facts are committed whatever happens here.
 */
export async function progressChanged(courseIds: string[], userIds: string[] = []): Promise<void> {
	const courses = [...new Set(courseIds)];
	if (courses.length === 0) return;
	try {
		emitToUsers(await watchers(courses, [...new Set(userIds)]), 'progress:changed', {
			courseIds: courses
		});
	} catch (error) {
		console.error('Progress change follow-up failed', error);
	}
}
