import { beforeAll, describe, expect, it } from 'vitest';
import { asService, withUser, type Tx } from '$lib/server/db';
import { foundationCast, ownerDb } from '../helpers';
import { actorOf, attempt, EVERYONE, LABEL, snapshot, type Cast, type Who } from './matrix';

// Straight at the database, with forged claims: the scope trigger on group_members holds for
// whoever passes RLS, and the helpers behind the add form tell an outsider nothing.

let cast: Cast;
let team: string; // a course group of the course, led by a learner (an automatic team leader)
let cohort: string; // an organisation group of the organisation

beforeAll(async () => {
	cast = await foundationCast();
	const [t] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name)
		values ('course', ${cast.org.id}, ${cast.course.id}, 'Team 1') returning id`;
	team = t.id;
	const [c] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, name)
		values ('organisation', ${cast.org.id}, 'Cohort') returning id`;
	cohort = c.id;
	await ownerDb()`
		insert into public.group_members (group_id, user_id, role, source)
		values (${team}, ${cast.learner.id}, 'leader', 'auto'), (${team}, ${cast.fellow.id}, 'member', 'manual')`;
});

const insert = (group: () => string, person: (c: Cast) => string) => (tx: Tx) =>
	tx`insert into public.group_members (group_id, user_id) values (${group()}, ${person(cast)})`;

async function expectOutcome(
	who: Who,
	statement: Parameters<typeof attempt>[1],
	expected: { count: number } | { code: string }
) {
	const before = await snapshot('group_members');
	const outcome = await attempt(actorOf(cast, who), statement, {
		rollback: 'count' in expected
	});
	expect(outcome).toEqual(expected);
	expect(await snapshot('group_members')).toBe(before);
}

describe('group_members stays within scope', () => {
	it('stops a learner who leads a team adding a learner of another organisation', async () => {
		await expectOutcome(
			'learner',
			insert(
				() => team,
				(c) => c.foreignLearner.id
			),
			{
				code: '23514'
			}
		);
	});

	it('stops a learner who leads a team adding someone of the organisation outside the course', async () => {
		await expectOutcome(
			'learner',
			insert(
				() => team,
				(c) => c.otherLearner.id
			),
			{
				code: '23514'
			}
		);
		await expectOutcome(
			'learner',
			insert(
				() => team,
				(c) => c.otherOrgAdmin.id
			),
			{ code: '23514' }
		);
	});

	it('lets a learner who leads a team add a participant of the course', async () => {
		await expectOutcome(
			'learner',
			insert(
				() => team,
				(c) => c.suspended.id
			),
			{ count: 1 }
		);
	});

	it('stops the team leader moving a membership to someone outside the course', async () => {
		await expectOutcome(
			'learner',
			(tx) =>
				tx`update public.group_members set user_id = ${cast.foreignLearner.id}
				   where group_id = ${team} and user_id = ${cast.fellow.id}`,
			{ code: '23514' }
		);
	});

	it('stops the instructor adding a non-participant to a course group', async () => {
		await expectOutcome(
			'instructor',
			insert(
				() => team,
				(c) => c.otherLearner.id
			),
			{
				code: '23514'
			}
		);
		await expectOutcome(
			'instructor',
			insert(
				() => team,
				(c) => c.stranger.id
			),
			{
				code: '23514'
			}
		);
	});

	it('stops the organisation admin adding a person of another organisation, or of none', async () => {
		await expectOutcome(
			'orgAdmin',
			insert(
				() => cohort,
				(c) => c.foreignLearner.id
			),
			{
				code: '23514'
			}
		);
		await expectOutcome(
			'orgAdmin',
			insert(
				() => cohort,
				(c) => c.stranger.id
			),
			{
				code: '23514'
			}
		);
		await expectOutcome(
			'orgAdmin',
			insert(
				() => cohort,
				(c) => c.otherLearner.id
			),
			{
				count: 1
			}
		);
	});

	it('lets a platform admin add anyone', async () => {
		await expectOutcome(
			'platformAdmin',
			insert(
				() => team,
				(c) => c.stranger.id
			),
			{ count: 1 }
		);
		await expectOutcome(
			'platformAdmin',
			insert(
				() => cohort,
				(c) => c.foreignLearner.id
			),
			{
				count: 1
			}
		);
	});

	it('holds for the system (service_role) too', async () => {
		const before = await snapshot('group_members');
		await expect(
			asService((tx) =>
				insert(
					() => team,
					(c) => c.stranger.id
				)(tx)
			)
		).rejects.toMatchObject({ code: '23514', hint: 'outside_scope' });
		expect(await snapshot('group_members')).toBe(before);
	});

	it('checks a bulk insert as a whole: one outsider refuses the statement', async () => {
		await expectOutcome(
			'orgAdmin',
			(tx) =>
				tx`insert into public.group_members (group_id, user_id)
				   select ${cohort}, unnest(${[cast.assistant.id, cast.foreignLearner.id]}::uuid[])`,
			{ code: '23514' }
		);
	});
});

describe('the add form’s helpers tell an outsider nothing', () => {
	const strangers = () => [cast.stranger.id, cast.foreignLearner.id, cast.fellow.id];

	for (const who of EVERYONE) {
		it(`gives ${LABEL[who]} only people they can see, in the team’s scope`, async () => {
			const outcome = await attempt(
				actorOf(cast, who),
				(tx) => tx`select private.group_scope_user_ids(${team}, ${strangers()}::uuid[]) as id`,
				{ rollback: false }
			);
			if (who === 'anon') {
				expect(outcome).toEqual({ code: '42501' });
				return;
			}
			const ids = await withUser(
				actorOf(cast, who),
				(tx) =>
					tx<
						{ id: string }[]
					>`select private.group_scope_user_ids(${team}, ${strangers()}::uuid[]) as id`
			);
			const expected =
				who === 'platformAdmin'
					? strangers()
					: ['learner', 'instructor', 'assistant', 'orgAdmin'].includes(who)
						? [cast.fellow.id]
						: [];
			expect(ids.map((row) => row.id).sort()).toEqual([...expected].sort());
		});
	}

	it('lets no API role call the unbounded scope and inviter checks', async () => {
		for (const statement of [
			(tx: Tx) =>
				tx`select * from private.memberships_outside_scope(array[${team}::uuid], array[${cast.stranger.id}::uuid])`,
			(tx: Tx) => tx`select private.admits_to_group(${cast.orgAdmin.id}, ${team})`,
			(tx: Tx) => tx`select private.admits_to_course(${cast.orgAdmin.id}, ${cast.course.id})`
		]) {
			for (const who of ['anon', 'learner', 'orgAdmin'] as const) {
				expect(await attempt(actorOf(cast, who), statement, { rollback: false })).toEqual({
					code: '42501'
				});
			}
		}
	});

	it('tells the caller whether their own invitations admit outsiders', async () => {
		const admits = async (who: Who, group: string) =>
			(
				await withUser(
					actorOf(cast, who),
					(tx) => tx<{ a: boolean }[]>`select private.can_admit_to_group(${group}) as a`
				)
			)[0].a;
		expect(await admits('learner', team)).toBe(false);
		expect(await admits('instructor', team)).toBe(true);
		expect(await admits('instructor', cohort)).toBe(false);
		expect(await admits('orgAdmin', cohort)).toBe(true);
		expect(await admits('otherOrgAdmin', cohort)).toBe(false);
	});
});

describe('course_invites', () => {
	const invite = (by: () => string) => (tx: Tx) =>
		tx`insert into public.course_invites (course_id, token_hash, email, role, expires_at, created_by)
		   values (${cast.course.id}, ${'c'.repeat(64)}, 'someone@nowhere.test', 'learner', now() + interval '1 day', ${by()})`;

	for (const who of EVERYONE.filter((w) => w !== 'anon')) {
		const allowed = ['instructor', 'orgAdmin', 'platformAdmin'].includes(who);
		it(`${allowed ? 'lets' : 'stops'} ${LABEL[who]} invite someone to enrol`, async () => {
			const before = await snapshot('course_invites');
			const outcome = await attempt(
				actorOf(cast, who),
				invite(() => cast[who as Exclude<Who, 'anon'>].id),
				{ rollback: allowed }
			);
			expect(outcome).toEqual(allowed ? { count: 1 } : { code: '42501' });
			expect(await snapshot('course_invites')).toBe(before);
		});
	}

	it('stops an instructor inviting in someone else’s name, and anon entirely', async () => {
		expect(
			await attempt(
				actorOf(cast, 'instructor'),
				invite(() => cast.orgAdmin.id),
				{ rollback: false }
			)
		).toEqual({ code: '42501' });
		expect(
			await attempt(
				null,
				invite(() => cast.instructor.id),
				{ rollback: false }
			)
		).toEqual({ code: '42501' });
	});

	it('shows invitations only to the course’s managers', async () => {
		await ownerDb()`
			insert into public.course_invites (course_id, token_hash, email, role, expires_at, created_by)
			values (${cast.course.id}, ${'d'.repeat(64)}, 'seen@nowhere.test', 'learner', now() + interval '1 day', ${cast.instructor.id})`;
		for (const who of EVERYONE.filter((w) => w !== 'anon')) {
			const rows = await withUser(
				actorOf(cast, who),
				(tx) => tx`select email from public.course_invites where email = 'seen@nowhere.test'`
			);
			const sees = ['instructor', 'orgAdmin', 'platformAdmin'].includes(who);
			expect(rows.length, LABEL[who]).toBe(sees ? 1 : 0);
		}
	});
});
