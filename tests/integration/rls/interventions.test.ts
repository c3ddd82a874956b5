import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Actor, type Tx } from '$lib/server/db';
import * as groups from '$lib/server/groups';
import * as learnerGroups from '$lib/server/learner-groups';
import * as interventions from '$lib/server/learner-groups/interventions';
import * as memberships from '$lib/server/memberships';
import * as progress from '$lib/server/progress';
import { setRefreshScheduler } from '$lib/server/learner-groups/freshness';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from '../helpers';
import { attempt, snapshot } from './matrix';

// The announcements interventions post to learner groups, acted out by everyone around them.
// Course A: its "Not started" learner group (A) with learnerIn and removed in it when the message
// went out (removed has since completed and left), learnerOut who never was in it; an assistant
// and an instructor; a normal course group T led by leaderT. Course B, in the same organisation:
// its own learner group (B), instructorB and learnerB. The org admin, a platform admin, anon.

const WHO = [
	'anon',
	'learnerIn',
	'learnerOut',
	'removed',
	'assistant',
	'instructor',
	'instructorB',
	'learnerB',
	'leaderT',
	'orgAdmin',
	'platformAdmin'
] as const;
type Who = (typeof WHO)[number];

const LABEL: Record<Who, string> = {
	anon: 'an anonymous visitor',
	learnerIn: 'a learner in the learner group',
	learnerOut: 'a learner of the course not in it',
	removed: 'a recipient removed from it after the send',
	assistant: 'the course assistant',
	instructor: 'the course instructor',
	instructorB: 'the instructor of another course',
	learnerB: 'a learner in another course’s learner group',
	leaderT: 'the leader of another group of the course',
	orgAdmin: 'the organisation admin',
	platformAdmin: 'a platform admin'
};

type Cast = {
	people: Record<Exclude<Who, 'anon'>, TestUser>;
	groupA: string;
	groupB: string;
	groupT: string;
	announcementA: string;
	announcementB: string;
};
let cast: Cast;

const actorOf = (who: Who): Actor => (who === 'anon' ? null : actor(cast.people[who]));

afterAll(() => setRefreshScheduler(null));

beforeAll(async () => {
	// Refreshes run when the cast asks for them, never behind its back after a completion.
	setRefreshScheduler(async () => {});
	const org = await createOrganisation();
	const courseA = await createCourse(org.id);
	const courseB = await createCourse(org.id);
	const people = {} as Cast['people'];
	for (const who of WHO) {
		if (who === 'anon') continue;
		people[who] = await createUser({ name: who, admin: who === 'platformAdmin' });
		await addOrganisationMember(org.id, people[who].id, who === 'orgAdmin' ? 'admin' : 'member');
	}
	for (const who of ['learnerIn', 'learnerOut', 'removed', 'leaderT'] as const) {
		await enrol(courseA.id, people[who].id);
	}
	await enrol(courseA.id, people.assistant.id, 'assistant');
	await enrol(courseA.id, people.instructor.id, 'instructor');
	await enrol(courseB.id, people.instructorB.id, 'instructor');
	await enrol(courseB.id, people.learnerB.id);

	const activityA = await progress.createActivity(actor(people.instructor), courseA.id, {
		title: 'Week 1'
	});
	for (const who of ['learnerOut', 'leaderT'] as const) {
		await progress.markComplete(actor(people[who]), activityA.id);
	}
	await learnerGroups.enable(actor(people.instructor), courseA.id);
	await learnerGroups.enable(actor(people.instructorB), courseB.id);
	const groupA = await learnerGroups.createNotStarted(actor(people.instructor), courseA.id);
	const groupB = await learnerGroups.createNotStarted(actor(people.instructorB), courseB.id);
	const groupT = await groups.create(actor(people.instructor), {
		courseId: courseA.id,
		name: 'Tutorial T'
	});
	await memberships.add(actor(people.instructor), groupT.id, {
		userIds: [people.leaderT.id],
		role: 'leader'
	});
	await ownerDb()`update public.groups set leaders_post_announcements = true where id = ${groupT.id}`;

	const sentA = await learnerGroups.sendIntervention(actor(people.assistant), groupA.id, {
		subject: 'A',
		body: 'To course A’s group'
	});
	const sentB = await learnerGroups.sendIntervention(actor(people.instructorB), groupB.id, {
		subject: 'B',
		body: 'To course B’s group'
	});
	expect(sentA.recipientCount).toBe(2);
	await interventions.markSeen(actor(people.learnerIn), [sentA.id]);
	await interventions.markSeen(actor(people.removed), [sentA.id]);
	await progress.markComplete(actor(people.removed), activityA.id);
	await learnerGroups.refresh(actor(people.instructor), groupA.id);
	const [left] = await ownerDb()`
		select count(*)::int as n from public.group_members
		where group_id = ${groupA.id} and user_id = ${people.removed.id} and valid_until > now()`;
	expect(left.n).toBe(0);
	cast = {
		people,
		groupA: groupA.id,
		groupB: groupB.id,
		groupT: groupT.id,
		announcementA: sentA.announcementId!,
		announcementB: sentB.announcementId!
	};
});

function visibility(
	what: string,
	expected: Record<Who, string[]>,
	visible: (tx: Tx) => Promise<string[]>
) {
	for (const who of WHO) {
		const want = [...expected[who]].sort();
		it(`shows ${LABEL[who]} ${want.length === 0 ? 'no' : want.join(', ')} ${what}`, async () => {
			const seen = await withUser(actorOf(who), visible);
			expect([...seen].sort()).toEqual(want);
		});
	}
}

function insertMatrix(
	action: string,
	allowed: readonly Who[],
	statement: (who: Who) => (tx: Tx) => Promise<unknown>
) {
	for (const who of WHO) {
		const allow = allowed.includes(who);
		it(`${allow ? 'lets' : 'stops'} ${LABEL[who]} ${action}`, async () => {
			const before = await snapshot('announcements');
			const outcome = await attempt(actorOf(who), statement(who) as Parameters<typeof attempt>[1], {
				rollback: allow
			});
			expect(outcome).toEqual(allow ? { count: 1 } : { code: '42501' });
			expect(await snapshot('announcements')).toBe(before);
		});
	}
}

const STAFF_A: Who[] = ['assistant', 'instructor', 'orgAdmin', 'platformAdmin'];
const STAFF_B: Who[] = ['instructorB', 'orgAdmin', 'platformAdmin'];

describe('intervention announcements: who reads them', () => {
	visibility(
		'of the two messages',
		{
			anon: [],
			learnerIn: ['A'],
			learnerOut: [],
			// Recipients are facts: they keep reading what they received.
			removed: ['A'],
			assistant: ['A'],
			instructor: ['A'],
			instructorB: ['B'],
			learnerB: ['B'],
			leaderT: [],
			orgAdmin: ['A', 'B'],
			platformAdmin: ['A', 'B']
		},
		async (tx) =>
			(
				await tx`select title from public.announcements where id in (${cast.announcementA}, ${cast.announcementB})`
			).map((row) => row.title)
	);
});

describe('intervention announcements: who sees who has seen them', () => {
	visibility(
		'views',
		{
			anon: [],
			learnerIn: ['A:learnerIn'],
			learnerOut: [],
			removed: ['A:removed'],
			assistant: ['A:learnerIn', 'A:removed'],
			instructor: ['A:learnerIn', 'A:removed'],
			instructorB: [],
			learnerB: [],
			leaderT: [],
			orgAdmin: ['A:learnerIn', 'A:removed'],
			platformAdmin: ['A:learnerIn', 'A:removed']
		},
		async (tx) =>
			(
				await tx<{ label: string }[]>`
					select a.title || ':' || u.display_name as label from public.announcement_views w
					join public.announcements a on a.id = w.announcement_id
					join public.users u on u.id = w.user_id
					where w.announcement_id in (${cast.announcementA}, ${cast.announcementB})`
			).map((row) => row.label)
	);

	it('gives the hidden learner group itself to nobody outside staff', async () => {
		for (const who of ['learnerIn', 'removed', 'learnerOut', 'leaderT', 'learnerB'] as const) {
			const rows = await withUser(
				actorOf(who),
				(tx) => tx`select id from public.groups where id in (${cast.groupA}, ${cast.groupB})`
			);
			expect(rows, LABEL[who]).toHaveLength(0);
		}
	});
});

const prePublished =
	(group: () => string, publishedAt = 'now()') =>
	(who: Who) =>
	(tx: Tx) =>
		tx.unsafe(
			`insert into public.announcements (group_id, author_id, title, body, publish_at, published_at)
			 values ($1, $2, 'Pre-published', 'Body', ${publishedAt}, ${publishedAt})`,
			[group(), who === 'anon' ? null : cast.people[who].id]
		);

describe('pre-published announcements: who may insert one', () => {
	insertMatrix(
		"into the course's learner group",
		STAFF_A,
		prePublished(() => cast.groupA)
	);
	insertMatrix(
		"into another course's learner group",
		STAFF_B,
		prePublished(() => cast.groupB)
	);
	insertMatrix(
		'into a normal group of the course',
		[],
		prePublished(() => cast.groupT)
	);
	insertMatrix(
		'into their own group, dated in the past',
		[],
		prePublished(() => cast.groupT, "now() - interval '1 hour'")
	);
	insertMatrix(
		"into the course's learner group, dated in the past",
		[],
		prePublished(() => cast.groupA, "now() - interval '1 hour'")
	);
	it('stops staff posting one in someone else’s name', async () => {
		const outcome = await attempt(
			actor(cast.people.instructor),
			(tx) => tx`
				insert into public.announcements (group_id, author_id, title, body, publish_at, published_at)
				values (${cast.groupA}, ${cast.people.assistant.id}, 'Forged', 'Body', now(), now())`,
			{ rollback: true }
		);
		expect(outcome).toEqual({ code: '42501' });
	});
});

describe('refusals that would name a learner group', () => {
	// Checked before RLS: only the course's staff (and platform admins) get the reason; anyone
	// else gets RLS's own refusal, so a raw insert cannot tell a learner group from any other.
	const unpublished = (group: () => string) => (who: Who) => (tx: Tx) =>
		tx.unsafe(
			`insert into public.announcements (group_id, author_id, title, body) values ($1, $2, 'Plain', 'Body')`,
			[group(), who === 'anon' ? null : cast.people[who].id]
		);
	const intervention = (group: () => string) => (who: Who) => (tx: Tx) =>
		tx.unsafe(
			// course_id is the trigger's to set (from the group); any value goes in.
			`insert into public.interventions (group_id, group_name, course_id, sent_by, subject, body)
			 values ($1, '', $1, $2, 'S', 'B')`,
			[group(), who === 'anon' ? null : cast.people[who].id]
		);
	for (const who of WHO) {
		const staff = STAFF_A.includes(who);
		it(`answers ${LABEL[who]} ${staff ? 'with the reason' : 'as RLS does'} for a plain announcement to a learner group`, async () => {
			const outcome = await attempt(actorOf(who), unpublished(() => cast.groupA)(who) as never, {
				rollback: true
			});
			expect(outcome).toEqual({ code: staff ? '23514' : '42501' });
		});
		it(`answers ${LABEL[who]} ${staff ? 'with the reason' : 'as RLS does'} for an intervention to a normal group`, async () => {
			const outcome = await attempt(actorOf(who), intervention(() => cast.groupT)(who) as never, {
				rollback: true
			});
			expect(outcome).toEqual({ code: staff ? '23514' : '42501' });
		});
	}
});

describe('marking an intervention announcement seen', () => {
	for (const who of WHO) {
		const allowed = ['learnerB', ...STAFF_B].includes(who);
		it(`${allowed ? 'lets' : 'stops'} ${LABEL[who]} mark course B's message seen`, async () => {
			const outcome = await attempt(
				actorOf(who),
				(tx) => tx`
					insert into public.announcement_views (announcement_id, user_id)
					values (${cast.announcementB}, ${who === 'anon' ? null : cast.people[who].id})`,
				{ rollback: true }
			);
			expect(outcome).toEqual(allowed ? { count: 1 } : { code: '42501' });
		});
	}
});
