import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { asService } from '$lib/server/db';
import { targetQuery } from '$lib/server/learner-groups/criteria';
import { evaluate, type CourseFacts } from '$lib/server/learner-groups/evaluate';
import { criteria as criteriaSchema, type Criterion } from '$lib/schemas/learner-groups';
import { parse } from '$lib/server/validate';
import { createCourse, createOrganisation, createUser, ownerDb, type TestUser } from './helpers';

const DAY = 24 * 60 * 60 * 1000;
// Whole seconds, so both sides compare the same instants.
const AT = new Date(Math.floor(Date.now() / 1000) * 1000);
const daysAgo = (days: number) => new Date(AT.getTime() - days * DAY);

let org: { id: string };
let pool: TestUser[];

beforeAll(async () => {
	org = await createOrganisation();
	pool = [];
	for (let i = 0; i < 8; i += 1) pool.push(await createUser({ name: `P${i}` }));
});

// Half-day steps land exactly on "N days" boundaries often, where < and <= differ.
const when = fc.integer({ min: 0, max: 80 }).map((halfDays) => halfDays / 2);

const world = fc.record({
	people: fc.array(
		fc.record({
			role: fc.constantFrom('learner', 'learner', 'assistant', 'instructor'),
			status: fc.constantFrom('active', 'active', 'suspended'),
			enrolledDaysAgo: when,
			// Direct memberships: 0 none, 1 top group T, 2 sub-group S (so effective member of T too).
			membership: fc.constantFrom(0, 1, 2),
			membershipExpired: fc.boolean()
		}),
		{ minLength: 0, maxLength: 8 }
	),
	activities: fc.array(fc.constantFrom<'open' | 'T' | 'S'>('open', 'open', 'T', 'S'), {
		minLength: 0,
		maxLength: 4
	}),
	completions: fc.array(
		fc.record({
			person: fc.nat(),
			activity: fc.nat(),
			completedDaysAgo: fc.option(when, { nil: null }),
			score: fc.option(fc.integer({ min: -5, max: 105 }), { nil: null })
		}),
		{ maxLength: 20 }
	),
	events: fc.array(fc.record({ person: fc.nat(), daysAgo: when }), { maxLength: 10 })
});

const criterion = fc.oneof(
	fc.record({
		type: fc.constant('enrolled' as const),
		when: fc.constantFrom('before' as const, 'after' as const),
		daysAgo: when
	}),
	fc.record({
		type: fc.constant('progress' as const),
		op: fc.constantFrom('below' as const, 'above' as const),
		percent: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(25, 33.3, 50, 66.7, 75))
	}),
	fc.record({
		type: fc.constant('completed' as const),
		activity: fc.option(fc.nat(), { nil: null })
	}),
	fc.record({
		type: fc.constant('score' as const),
		activity: fc.nat(),
		op: fc.constantFrom('below' as const, 'above' as const),
		value: fc.integer({ min: -5, max: 105 })
	}),
	fc.record({ type: fc.constant('inactive' as const), days: fc.integer({ min: 1, max: 40 }) }),
	fc.record({
		type: fc.constant('member' as const),
		group: fc.constantFrom('T' as const, 'S' as const)
	}),
	fc.record({
		type: fc.constant('enrolment' as const),
		role: fc.option(
			fc.constantFrom('learner' as const, 'assistant' as const, 'instructor' as const),
			{
				nil: undefined
			}
		),
		status: fc.constantFrom('active' as const, 'suspended' as const, undefined)
	})
);

const document = fc.record({
	criteria: fc.array(fc.record({ spec: criterion, negate: fc.boolean() }), {
		minLength: 1,
		maxLength: 2
	})
});

type World = typeof world extends fc.Arbitrary<infer T> ? T : never;
type Doc = typeof document extends fc.Arbitrary<infer T> ? T : never;

async function build(data: World) {
	const db = ownerDb();
	const course = await createCourse(org.id);
	const [T] = await db<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name) values ('course', ${org.id}, ${course.id}, 'T')
		returning id`;
	const [S] = await db<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, parent_id, name)
		values ('course', ${org.id}, ${course.id}, ${T.id}, 'S') returning id`;
	const groupId = { T: T.id, S: S.id };
	const people = data.people.map((p, i) => ({ ...p, id: pool[i].id }));
	const memberOf = new Map<string, Set<string>>();
	for (const p of people) {
		await db`
			insert into public.enrolments (course_id, user_id, role, status, enrolled_at)
			values (${course.id}, ${p.id}, ${p.role}, ${p.status}, ${daysAgo(p.enrolledDaysAgo)})`;
		if (p.membership > 0) {
			const direct = p.membership === 1 ? T.id : S.id;
			await db`
				insert into public.group_members (group_id, user_id, valid_from, valid_until)
				values (${direct}, ${p.id}, ${daysAgo(100)}, coalesce(${p.membershipExpired ? daysAgo(1) : null}::timestamptz, 'infinity'))`;
			if (!p.membershipExpired) {
				memberOf.set(p.id, new Set(p.membership === 1 ? [T.id] : [S.id, T.id]));
			}
		}
	}
	const activities: CourseFacts['activities'] = [];
	for (const restriction of data.activities) {
		const [row] = await db<{ id: string }[]>`
			insert into public.activities (course_id, title) values (${course.id}, 'A') returning id`;
		if (restriction !== 'open') {
			await db`
				insert into public.activity_restrictions (activity_id, group_id, course_id)
				values (${row.id}, ${groupId[restriction]}, ${course.id})`;
		}
		activities.push({
			id: row.id,
			restrictedTo: restriction === 'open' ? [] : [groupId[restriction]]
		});
	}
	const completions: CourseFacts['completions'] = [];
	const seen = new Set<string>();
	if (people.length > 0 && activities.length > 0) {
		for (const c of data.completions) {
			if (c.completedDaysAgo === null && c.score === null) continue;
			const userId = people[c.person % people.length].id;
			const activityId = activities[c.activity % activities.length].id;
			if (seen.has(`${activityId}:${userId}`)) continue;
			seen.add(`${activityId}:${userId}`);
			const completedAt = c.completedDaysAgo === null ? null : daysAgo(c.completedDaysAgo);
			await db`
				insert into public.completions (activity_id, user_id, course_id, completed_at, score, scored_at)
				values (${activityId}, ${userId}, ${course.id}, ${completedAt}, ${c.score},
				        ${c.score === null ? null : AT})`;
			completions.push({ activityId, userId, completedAt, score: c.score });
		}
	}
	const events: CourseFacts['events'] = [];
	if (people.length > 0) {
		for (const e of data.events) {
			const userId = people[e.person % people.length].id;
			await db`
				insert into public.learner_events (user_id, course_id, kind, occurred_at)
				values (${userId}, ${course.id}, 'course_view', ${daysAgo(e.daysAgo)})`;
			events.push({ userId, occurredAt: daysAgo(e.daysAgo) });
		}
	}
	const facts: CourseFacts = {
		courseId: course.id,
		enrolments: people.map((p) => ({
			userId: p.id,
			role: p.role,
			status: p.status,
			enrolledAt: daysAgo(p.enrolledDaysAgo)
		})),
		activities,
		completions,
		events,
		memberOf
	};
	return { facts, groupId };
}

function toCriteria(doc: Doc, facts: CourseFacts, groupId: { T: string; S: string }) {
	const list: Criterion[] = doc.criteria.map(({ spec, negate }): Criterion => {
		const activityAt = (n: number) => facts.activities[n % facts.activities.length]?.id;
		switch (spec.type) {
			case 'enrolled':
				return {
					type: 'enrolled',
					when: spec.when,
					date: daysAgo(spec.daysAgo).toISOString(),
					negate
				};
			case 'progress':
				return { type: 'progress', op: spec.op, percent: spec.percent, negate };
			case 'completed':
				return {
					type: 'completed',
					activityId: spec.activity === null ? 'any' : (activityAt(spec.activity) ?? 'any'),
					negate
				};
			case 'score': {
				const activityId = activityAt(spec.activity);
				return activityId
					? { type: 'score', activityId, op: spec.op, value: spec.value, negate }
					: { type: 'inactive', days: 3, negate };
			}
			case 'inactive':
				return { type: 'inactive', days: spec.days, negate };
			case 'member':
				return { type: 'member', groupId: groupId[spec.group], negate };
			case 'enrolment':
				return spec.role === undefined && spec.status === undefined
					? { type: 'enrolment', role: 'learner', negate }
					: { type: 'enrolment', role: spec.role, status: spec.status, negate };
		}
	});
	// Through the same schema the app uses, so the document is one the app would accept.
	return parse(criteriaSchema, { all: list });
}

describe('the SQL evaluator and the TypeScript evaluator', () => {
	it('agree on who matches, for random courses and random criteria', async () => {
		await fc.assert(
			fc.asyncProperty(world, document, async (data, doc) => {
				const { facts, groupId } = await build(data);
				const criteria = toCriteria(doc, facts, groupId);
				const expected = evaluate(facts, criteria, AT);
				const rows = await asService(
					(tx) => tx<{ user_id: string }[]>`${targetQuery(tx, facts.courseId, criteria, AT)}`
				);
				const actual = rows.map((row) => row.user_id).sort();
				expect(actual).toEqual(expected);
			}),
			{ numRuns: 60, seed: Number(process.env.FC_SEED ?? Date.now() % 100000) }
		);
	});
});
