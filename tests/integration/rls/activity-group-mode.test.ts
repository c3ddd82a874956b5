import { beforeAll, describe, expect, it } from 'vitest';
import { withUser } from '$lib/server/db';
import { actor, ownerDb } from '../helpers';
import { attempt, changeMatrix, visibilityMatrix, actorOf, type Cast } from './matrix';
import { foundationCast } from '../helpers';

type World = Cast & {
	tutorial: { id: string };
	separated: { id: string };
	anyGroup: { id: string };
	hiddenAnyGroup: { id: string };
};

let world: World;
const getCast = () => world as Cast;
const w = (cast: Cast) => cast as World;

/**
 * The foundation cast, plus course group "Tutorial" holding the assistant and the fellow learner
 * (the learner is in no course group, only in a learner group). Activity "separated" works in
 * separate group mode; staff recorded a completion for the learner and for the fellow on it.
 * Activity "any group" is open to members of any course group (shown locked to others), and
 * "hidden any group" likewise but hidden from those it is closed to.
 */
beforeAll(async () => {
	const cast = await foundationCast();
	const db = ownerDb();
	const [tutorial] = await db<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name)
		values ('course', ${cast.org.id}, ${cast.course.id}, 'Tutorial') returning id`;
	const [learnerGroup] = await db<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name, kind, membership_mode, visibility)
		values ('course', ${cast.org.id}, ${cast.course.id}, 'Behind', 'learner-group', 'rule', 'hidden') returning id`;
	await db`
		insert into public.group_members (group_id, user_id)
		values (${tutorial.id}, ${cast.fellow.id}), (${tutorial.id}, ${cast.assistant.id}),
		       (${learnerGroup.id}, ${cast.learner.id})`;
	const activity = async (title: string, mode: string | null = null) =>
		(
			await db<{ id: string }[]>`
				insert into public.activities (course_id, title, group_mode)
				values (${cast.course.id}, ${title}, ${mode}) returning id`
		)[0];
	const separated = await activity('separated', 'separate');
	const anyGroup = await activity('any group');
	const hiddenAnyGroup = await activity('hidden any group');
	await db`
		insert into public.activity_restrictions (activity_id, any_group, hidden, course_id)
		values (${anyGroup.id}, true, false, ${cast.course.id}), (${hiddenAnyGroup.id}, true, true, ${cast.course.id})`;
	await db`
		insert into public.completions (activity_id, user_id, course_id, completed_at, source)
		values (${separated.id}, ${cast.learner.id}, ${cast.course.id}, now(), 'staff'),
		       (${separated.id}, ${cast.fellow.id}, ${cast.course.id}, now(), 'staff')`;
	world = { ...cast, tutorial, separated, anyGroup, hiddenAnyGroup };
});

const ALL_GROUPS = ['instructor', 'orgAdmin', 'platformAdmin'] as const;
const none = { anon: [], otherLearner: [], suspended: [], otherOrgAdmin: [] };

async function completionsSeen(who: 'assistant' | 'instructor') {
	return withUser(actorOf(world, who), async (tx) =>
		(
			await tx`
				select u.display_name from public.completions c join public.users u on u.id = c.user_id
				where c.activity_id = ${world.separated.id} order by 1`
		).map((row) => row.display_name as string)
	);
}

describe('completions of an activity in separate group mode', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'completions of the separated activity',
		expected: {
			...none,
			learner: ['learner'],
			// The assistant has no access to all groups: only the Tutorial they share with the fellow.
			assistant: ['fellow'],
			instructor: ['fellow', 'learner'],
			orgAdmin: ['fellow', 'learner'],
			platformAdmin: ['fellow', 'learner']
		},
		visible: async (tx, cast) =>
			(
				await tx`
					select c.user_id = ${cast.learner.id} as mine from public.completions c
					where c.activity_id = ${w(cast).separated.id}`
			).map((r) => (r.mine ? 'learner' : 'fellow'))
	});
	changeMatrix({
		cast: getCast,
		table: 'completions',
		kind: 'update',
		action: 'score a learner outside their groups on the separated activity',
		allowed: ALL_GROUPS,
		statement: (cast) => (tx) =>
			tx`update public.completions set score = 5, scored_at = now(), source = 'staff', recorded_by = (select auth.uid())
			   where activity_id = ${w(cast).separated.id} and user_id = ${cast.learner.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'completions',
		kind: 'update',
		action: 'score a learner of their own group on the separated activity',
		allowed: [...ALL_GROUPS, 'assistant'],
		statement: (cast) => (tx) =>
			tx`update public.completions set score = 5, scored_at = now(), source = 'staff', recorded_by = (select auth.uid())
			   where activity_id = ${w(cast).separated.id} and user_id = ${cast.fellow.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'completions',
		kind: 'delete',
		action: 'remove the completion of a learner outside their groups on the separated activity',
		allowed: ALL_GROUPS,
		statement: (cast) => (tx) =>
			tx`delete from public.completions
			   where activity_id = ${w(cast).separated.id} and user_id = ${cast.learner.id}`
	});

	it('stops the assistant recording a learner outside their groups, at the database, and not elsewhere', async () => {
		const outcome = await attempt(
			actorOf(world, 'assistant'),
			(tx) => tx`
				insert into public.completions (activity_id, user_id, course_id, completed_at, source, recorded_by)
				values (${world.separated.id}, ${world.suspended.id}, ${world.course.id}, now(), 'staff', (select auth.uid()))`,
			{ rollback: true }
		);
		expect(outcome).toEqual({ code: '42501' });
		const fellow = await attempt(
			actorOf(world, 'assistant'),
			(tx) => tx`
				insert into public.completions (activity_id, user_id, course_id, completed_at, source, recorded_by)
				values (${world.anyGroup.id}, ${world.fellow.id}, ${world.course.id}, now(), 'staff', (select auth.uid()))`,
			{ rollback: true }
		);
		expect(fellow).toEqual({ count: 1 });
	});

	it('lets the assistant see everyone once the course forces a mode other than separate', async () => {
		const db = ownerDb();
		expect(await completionsSeen('assistant')).toEqual(['Fellow Learner']);
		await db`update public.courses set group_mode = 'visible', force_group_mode = true where id = ${world.course.id}`;
		try {
			expect(await completionsSeen('assistant')).toEqual(['Fellow Learner', 'Learner']);
		} finally {
			await db`update public.courses set group_mode = 'none', force_group_mode = false where id = ${world.course.id}`;
		}
	});

	it('separates an activity with no mode of its own when the course is in separate mode', async () => {
		const db = ownerDb();
		await db`update public.activities set group_mode = null where id = ${world.separated.id}`;
		try {
			expect(await completionsSeen('assistant')).toEqual(['Fellow Learner', 'Learner']);
			await db`update public.courses set group_mode = 'separate' where id = ${world.course.id}`;
			expect(await completionsSeen('assistant')).toEqual(['Fellow Learner']);
			expect(await completionsSeen('instructor')).toEqual(['Fellow Learner', 'Learner']);
		} finally {
			await db`update public.courses set group_mode = 'none' where id = ${world.course.id}`;
			await db`update public.activities set group_mode = 'separate' where id = ${world.separated.id}`;
		}
	});

	it('limits the assistant to the groups of the activity’s grouping', async () => {
		const db = ownerDb();
		const [grouping] = await db<{ id: string }[]>`
			insert into public.groupings (course_id, name) values (${world.course.id}, 'Labs') returning id`;
		await db`update public.activities set grouping_id = ${grouping.id} where id = ${world.separated.id}`;
		try {
			// Tutorial is not in Labs: the assistant shares no group of the activity with anyone.
			expect(await completionsSeen('assistant')).toEqual([]);
			await db`insert into public.grouping_groups (grouping_id, group_id) values (${grouping.id}, ${world.tutorial.id})`;
			expect(await completionsSeen('assistant')).toEqual(['Fellow Learner']);
		} finally {
			await db`update public.activities set grouping_id = null where id = ${world.separated.id}`;
			await db`delete from public.groupings where id = ${grouping.id}`;
		}
	});
});

describe('activities restricted to any group', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'any-group activities',
		expected: {
			...none,
			// In a learner group only: no course group of their own.
			learner: [],
			instructor: ['any group', 'hidden any group'],
			assistant: ['any group', 'hidden any group'],
			orgAdmin: ['any group', 'hidden any group'],
			platformAdmin: ['any group', 'hidden any group']
		},
		visible: async (tx) =>
			(
				await tx`select title from public.activities where title in ('any group', 'hidden any group')`
			).map((r) => r.title as string)
	});
	visibilityMatrix({
		cast: getCast,
		what: 'locked any-group activities',
		expected: {
			...none,
			learner: ['any group'],
			instructor: [],
			assistant: [],
			orgAdmin: [],
			platformAdmin: []
		},
		refused: ['anon'],
		visible: async (tx, cast) =>
			(
				await tx`select title from private.restricted_activity_stubs(${cast.course.id})
				         where title in ('any group', 'hidden any group')`
			).map((r) => r.title as string)
	});

	it('opens both to a member of any course group', async () => {
		const seen = await withUser(actor(world.fellow), async (tx) =>
			(
				await tx`select title from public.activities where title in ('any group', 'hidden any group')`
			).map((r) => r.title as string)
		);
		expect(seen.sort()).toEqual(['any group', 'hidden any group']);
	});

	it('refuses a restriction that names a group and any group at once', async () => {
		await expect(
			ownerDb()`
				insert into public.activity_restrictions (activity_id, group_id, any_group, course_id)
				values (${world.anyGroup.id}, ${world.tutorial.id}, true, ${world.course.id})`
		).rejects.toMatchObject({ code: '23514' });
	});
});
