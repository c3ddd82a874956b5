import { beforeAll, describe } from 'vitest';
import { ownerDb } from '../helpers';
import { changeMatrix, visibilityMatrix, type Cast } from './matrix';
import { foundationCast } from '../helpers';

type World = Cast & {
	tutorial: { id: string };
	open: { id: string };
	spare: { id: string };
	restricted: { id: string };
	learnerGroup: { id: string };
};

let world: World;
const getCast = () => world as Cast;
const w = (cast: Cast) => cast as World;

/**
 * The foundation cast, plus: activity "open" (the learner completed it), activity "spare" (open,
 * nobody completed it) and activity "restricted" to course group "tutorial", whose only member is
 * the fellow learner (who completed it). A learner group of the course with one intervention sent
 * to the learner, one refresh and one ingested statement.
 */
beforeAll(async () => {
	const cast = await foundationCast();
	const db = ownerDb();
	const [tutorial] = await db<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name)
		values ('course', ${cast.org.id}, ${cast.course.id}, 'Tutorial') returning id`;
	await db`insert into public.group_members (group_id, user_id) values (${tutorial.id}, ${cast.fellow.id})`;
	const activity = async (title: string) =>
		(
			await db<{ id: string }[]>`
				insert into public.activities (course_id, title) values (${cast.course.id}, ${title}) returning id`
		)[0];
	const open = await activity('open');
	const spare = await activity('spare');
	const restricted = await activity('restricted');
	await db`
		insert into public.activity_restrictions (activity_id, group_id, course_id)
		values (${restricted.id}, ${tutorial.id}, ${cast.course.id})`;
	await db`
		insert into public.completions (activity_id, user_id, course_id, completed_at, source)
		values (${open.id}, ${cast.learner.id}, ${cast.course.id}, now(), 'self'),
		       (${restricted.id}, ${cast.fellow.id}, ${cast.course.id}, now(), 'staff')`;
	await db`
		insert into public.learner_events (user_id, course_id, kind)
		values (${cast.learner.id}, ${cast.course.id}, 'course_view'), (${cast.fellow.id}, ${cast.course.id}, 'post')`;
	await db`insert into public.course_progress_settings (course_id, learner_groups_enabled) values (${cast.course.id}, true)`;
	const [learnerGroup] = await db<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name, kind, membership_mode, visibility)
		values ('course', ${cast.org.id}, ${cast.course.id}, 'Behind', 'learner-group', 'rule', 'hidden') returning id`;
	await db`
		insert into public.learner_group_criteria (group_id, course_id, criteria)
		values (${learnerGroup.id}, ${cast.course.id}, '{"all":[{"type":"enrolment","role":"learner"}]}')`;
	await db`
		insert into public.learner_group_refreshes (group_id, course_id, trigger, added, added_count)
		values (${learnerGroup.id}, ${cast.course.id}, 'manual', array[${cast.learner.id}::uuid], 1)`;
	const [intervention] = await db<{ id: string }[]>`
		insert into public.interventions (group_id, group_name, course_id, sent_by, subject, body)
		values (${learnerGroup.id}, 'Behind', ${cast.course.id}, ${cast.instructor.id}, 'Hello', 'Catch up') returning id`;
	await db`
		insert into public.intervention_recipients (intervention_id, user_id, course_id)
		values (${intervention.id}, ${cast.learner.id}, ${cast.course.id})`;
	await db`
		insert into public.ingested_statements (course_id, statement_id, activity_id, user_id, verb)
		values (${cast.course.id}, 'st-1', ${open.id}, ${cast.learner.id}, 'completed')`;
	world = { ...cast, tutorial, open, spare, restricted, learnerGroup };
});

const STAFF = ['instructor', 'assistant', 'orgAdmin', 'platformAdmin'] as const;
const none = { anon: [], otherLearner: [], suspended: [], otherOrgAdmin: [] };

describe('activities and their restrictions', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'activities',
		expected: {
			...none,
			learner: ['open', 'spare'],
			instructor: ['open', 'restricted', 'spare'],
			assistant: ['open', 'restricted', 'spare'],
			orgAdmin: ['open', 'restricted', 'spare'],
			platformAdmin: ['open', 'restricted', 'spare']
		},
		visible: async (tx) => (await tx`select title from public.activities`).map((r) => r.title)
	});
	visibilityMatrix({
		cast: getCast,
		what: 'locked activity stubs',
		expected: {
			...none,
			learner: ['restricted'],
			instructor: [],
			assistant: [],
			orgAdmin: [],
			platformAdmin: []
		},
		visible: async (tx, cast) =>
			(await tx`select title from private.restricted_activity_stubs(${cast.course.id})`).map(
				(r) => r.title
			),
		refused: ['anon']
	});
	visibilityMatrix({
		cast: getCast,
		what: 'activity restrictions',
		expected: {
			...none,
			learner: [],
			instructor: ['Tutorial'],
			assistant: ['Tutorial'],
			orgAdmin: ['Tutorial'],
			platformAdmin: ['Tutorial']
		},
		visible: async (tx) =>
			(
				await tx`select g.name from public.activity_restrictions r join public.groups g on g.id = r.group_id`
			).map((r) => r.name)
	});
	changeMatrix({
		cast: getCast,
		table: 'activities',
		kind: 'insert',
		action: 'add an activity',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`insert into public.activities (course_id, title) values (${cast.course.id}, 'New')`
	});
	changeMatrix({
		cast: getCast,
		table: 'activities',
		kind: 'update',
		action: 'rename an activity',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.activities set title = 'Renamed' where id = ${w(cast).spare.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'activities',
		kind: 'delete',
		action: 'delete an activity',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => tx`delete from public.activities where id = ${w(cast).spare.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'activity_restrictions',
		kind: 'delete',
		action: 'lift a restriction',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`delete from public.activity_restrictions where activity_id = ${w(cast).restricted.id}`
	});
});

describe('completions', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'completions',
		expected: {
			...none,
			learner: ['learner:open'],
			instructor: ['fellow:restricted', 'learner:open'],
			assistant: ['fellow:restricted', 'learner:open'],
			orgAdmin: ['fellow:restricted', 'learner:open'],
			platformAdmin: ['fellow:restricted', 'learner:open']
		},
		visible: async (tx, cast) =>
			(
				await tx`
					select u.id = ${cast.learner.id} as mine, a.title from public.completions c
					join public.activities a on a.id = c.activity_id join public.users u on u.id = c.user_id`
			).map((r) => `${r.mine ? 'learner' : 'fellow'}:${r.title}`)
	});
	changeMatrix({
		cast: getCast,
		table: 'completions',
		kind: 'insert',
		action: 'mark an open activity complete for themselves',
		// Platform admins may write anything, as on every other table.
		allowed: ['learner', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`insert into public.completions (activity_id, user_id, course_id, completed_at, source, recorded_by)
			   values (${w(cast).spare.id}, (select auth.uid()), ${cast.course.id}, now(), 'self', (select auth.uid()))`,
		deniedCode: '42501'
	});
	changeMatrix({
		cast: getCast,
		table: 'completions',
		kind: 'insert',
		action: 'mark a restricted activity of a group they are not in complete for the learner',
		allowed: ['platformAdmin'],
		statement: (cast) => (tx) =>
			tx`insert into public.completions (activity_id, user_id, course_id, completed_at, source, recorded_by)
			   values (${w(cast).restricted.id}, ${cast.learner.id}, ${cast.course.id}, now(), 'self', ${cast.learner.id})`
	});
	changeMatrix({
		cast: getCast,
		table: 'completions',
		kind: 'insert',
		action: 'give the learner a score as if they marked it themselves',
		allowed: ['platformAdmin'],
		statement: (cast) => (tx) =>
			tx`insert into public.completions (activity_id, user_id, course_id, score, scored_at, source, recorded_by)
			   values (${w(cast).spare.id}, ${cast.learner.id}, ${cast.course.id}, 100, now(), 'self', ${cast.learner.id})`
	});
	changeMatrix({
		cast: getCast,
		table: 'completions',
		kind: 'insert',
		action: "record a learner's completion as staff",
		allowed: STAFF,
		statement: (cast) => (tx) =>
			tx`insert into public.completions (activity_id, user_id, course_id, completed_at, source, recorded_by)
			   values (${w(cast).spare.id}, ${cast.learner.id}, ${cast.course.id}, now(), 'staff', (select auth.uid()))`
	});
	changeMatrix({
		cast: getCast,
		table: 'completions',
		kind: 'update',
		action: "change another learner's completion",
		allowed: STAFF,
		statement: (cast) => (tx) =>
			tx`update public.completions set score = 5, scored_at = now(), source = 'staff', recorded_by = (select auth.uid())
			   where user_id = ${cast.fellow.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'completions',
		kind: 'delete',
		action: "remove another learner's completion",
		allowed: STAFF,
		statement: (cast) => (tx) =>
			tx`delete from public.completions where user_id = ${cast.fellow.id}`
	});
});

describe('learner events and progress settings', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'learner events',
		expected: {
			...none,
			learner: ['course_view'],
			instructor: ['course_view', 'post'],
			assistant: ['course_view', 'post'],
			orgAdmin: ['course_view', 'post'],
			platformAdmin: ['course_view', 'post']
		},
		visible: async (tx) => (await tx`select kind from public.learner_events`).map((r) => r.kind)
	});
	changeMatrix({
		cast: getCast,
		table: 'learner_events',
		kind: 'insert',
		action: 'record a view of the course as themselves',
		allowed: ['learner', 'instructor', 'assistant', 'orgAdmin'],
		statement: (cast) => (tx) =>
			tx`insert into public.learner_events (user_id, course_id, kind) values ((select auth.uid()), ${cast.course.id}, 'course_view')`
	});
	changeMatrix({
		cast: getCast,
		table: 'learner_events',
		kind: 'insert',
		action: 'record an event in the name of someone else',
		allowed: [],
		statement: (cast) => (tx) =>
			tx`insert into public.learner_events (user_id, course_id, kind) values (${cast.fellow.id}, ${cast.course.id}, 'post')`
	});
	changeMatrix({
		cast: getCast,
		table: 'course_progress_settings',
		kind: 'update',
		action: 'switch learner groups off',
		allowed: STAFF,
		statement: (cast) => (tx) =>
			tx`update public.course_progress_settings set learner_groups_enabled = false where course_id = ${cast.course.id}`
	});
});

describe('learner groups, refreshes, interventions and ingested statements', () => {
	const staffOnly = (what: string, query: string) =>
		visibilityMatrix({
			cast: getCast,
			what,
			expected: {
				...none,
				learner: [],
				instructor: ['row'],
				assistant: ['row'],
				orgAdmin: ['row'],
				platformAdmin: ['row']
			},
			visible: async (tx) => (await tx.unsafe(query)).map(() => 'row')
		});
	staffOnly('learner group criteria', 'select 1 from public.learner_group_criteria');
	staffOnly('learner group refreshes', 'select 1 from public.learner_group_refreshes');
	staffOnly('ingested statements', 'select 1 from public.ingested_statements');
	visibilityMatrix({
		cast: getCast,
		what: 'interventions',
		expected: {
			...none,
			learner: ['Hello'],
			instructor: ['Hello'],
			assistant: ['Hello'],
			orgAdmin: ['Hello'],
			platformAdmin: ['Hello']
		},
		visible: async (tx) =>
			(await tx`select subject from public.interventions`).map((r) => r.subject)
	});
	changeMatrix({
		cast: getCast,
		table: 'learner_group_refreshes',
		kind: 'insert',
		action: 'forge a refresh record',
		allowed: [],
		statement: (cast) => (tx) =>
			tx`insert into public.learner_group_refreshes (group_id, course_id, trigger)
			   values (${w(cast).learnerGroup.id}, ${cast.course.id}, 'manual')`
	});
	changeMatrix({
		cast: getCast,
		table: 'interventions',
		kind: 'insert',
		action: 'send an intervention in their own name',
		allowed: STAFF,
		statement: (cast) => (tx) =>
			tx`insert into public.interventions (group_id, group_name, course_id, sent_by, subject, body)
			   values (${w(cast).learnerGroup.id}, '', ${cast.course.id}, (select auth.uid()), 'Hi', 'There')`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'add a member to a learner group by hand (as an assistant)',
		allowed: ['instructor', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`insert into public.group_members (group_id, user_id, source) values (${w(cast).learnerGroup.id}, ${cast.fellow.id}, 'rule')`
	});
});
