import type { Criteria, Criterion } from '$lib/schemas/learner-groups';

/** The facts of one course, in memory: what the SQL evaluator reads from the tables. */
export type CourseFacts = {
	courseId: string;
	enrolments: { userId: string; role: string; status: string; enrolledAt: Date }[];
	/** Each activity of the course with the groups it is restricted to (none: open to all). */
	activities: { id: string; restrictedTo: string[] }[];
	completions: {
		activityId: string;
		userId: string;
		completedAt: Date | null;
		score: number | null;
	}[];
	/** Course views and posts in this course. */
	events: { userId: string; occurredAt: Date }[];
	/** The groups each person is an effective member of at `at` (every ancestor included). */
	memberOf: Map<string, Set<string>>;
};

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The plain TypeScript meaning of a criteria document: the user ids of `facts` matching it at
 * `at`. The SQL evaluator (criteria.ts) must agree with it on any data (property-tested).
 */
export function evaluate(facts: CourseFacts, criteria: Criteria, at: Date): string[] {
	const byUser = new Map<string, CourseFacts['completions']>();
	for (const c of facts.completions) {
		const list = byUser.get(c.userId) ?? [];
		list.push(c);
		byUser.set(c.userId, list);
	}
	const lastEvent = new Map<string, number>();
	for (const e of facts.events) {
		lastEvent.set(e.userId, Math.max(lastEvent.get(e.userId) ?? -Infinity, e.occurredAt.getTime()));
	}
	const activityIds = new Set(facts.activities.map((a) => a.id));

	const test = (enrolment: CourseFacts['enrolments'][number], c: Criterion): boolean => {
		const mine = (byUser.get(enrolment.userId) ?? []).filter((x) => activityIds.has(x.activityId));
		const groups = facts.memberOf.get(enrolment.userId) ?? new Set<string>();
		switch (c.type) {
			case 'enrolled': {
				const date = new Date(c.date).getTime();
				const at = enrolment.enrolledAt.getTime();
				return c.when === 'before' ? at < date : at > date;
			}
			case 'progress': {
				const visible = facts.activities.filter(
					(a) => a.restrictedTo.length === 0 || a.restrictedTo.some((g) => groups.has(g))
				);
				const visibleIds = new Set(visible.map((a) => a.id));
				const done = mine.filter(
					(x) => x.completedAt !== null && visibleIds.has(x.activityId)
				).length;
				if (c.op === 'below') {
					return visible.length === 0 ? 0 < c.percent : done * 100 < c.percent * visible.length;
				}
				return visible.length > 0 && done * 100 > c.percent * visible.length;
			}
			case 'completed':
				return mine.some(
					(x) => x.completedAt !== null && (c.activityId === 'any' || x.activityId === c.activityId)
				);
			case 'score':
				return mine.some(
					(x) =>
						x.activityId === c.activityId &&
						x.score !== null &&
						(c.op === 'below' ? x.score < c.value : x.score > c.value)
				);
			case 'inactive': {
				const completedTimes = mine
					.filter((x) => x.completedAt !== null)
					.map((x) => x.completedAt!.getTime());
				const times = [...completedTimes];
				if (lastEvent.has(enrolment.userId)) times.push(lastEvent.get(enrolment.userId)!);
				const last = times.length > 0 ? Math.max(...times) : enrolment.enrolledAt.getTime();
				return last <= at.getTime() - c.days * DAY_MS;
			}
			case 'member':
				return groups.has(c.groupId);
			case 'enrolment':
				return (
					(c.role === undefined || enrolment.role === c.role) &&
					(c.status === undefined || enrolment.status === c.status)
				);
		}
	};

	return facts.enrolments
		.filter((enrolment) =>
			criteria.all.every((c) => (c.negate ? !test(enrolment, c) : test(enrolment, c)))
		)
		.map((enrolment) => enrolment.userId)
		.sort();
}
