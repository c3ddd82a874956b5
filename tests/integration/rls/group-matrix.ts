import { expect, it } from 'vitest';
import { withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { groupCast } from '../group-cast';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from '../helpers';
import { snapshot, type Outcome } from './matrix';

/** The people every group table is tried as. */
export const EVERYONE = [
	'anon',
	'learnerG',
	'learnerG1',
	'learnerH',
	'leaderG',
	'leaderG1',
	'leaderH',
	'outsider',
	'instructor',
	'otherOrgAdmin',
	'orgAdmin',
	'platformAdmin'
] as const;
export type Who = (typeof EVERYONE)[number];

export const LABEL: Record<Who, string> = {
	anon: 'an anonymous visitor',
	learnerG: 'a learner in G',
	learnerG1: 'a learner in the sub-group G.1',
	learnerH: 'a learner in the sibling H',
	leaderG: 'the leader of G',
	leaderG1: 'the leader of G.1',
	leaderH: 'the leader of H',
	outsider: 'an organisation member in no group',
	instructor: 'the instructor of the linked course',
	otherOrgAdmin: 'the admin of another organisation',
	orgAdmin: 'the organisation admin',
	platformAdmin: 'a platform admin'
};

/** Learners and leaders: never staff of anything in the cast. */
export const LEARNERS = ['learnerG', 'learnerG1', 'learnerH'] as const satisfies readonly Who[];
export const LEADERS = ['leaderG', 'leaderG1', 'leaderH'] as const satisfies readonly Who[];

// A name no learner may ever read: the hidden group's.
export const HIDDEN_NAME = 'Secret circle Qx7';

type GroupOptions = {
	parentId?: string;
	organisationId?: string;
	visibility?: 'scope' | 'members' | 'own' | 'hidden';
	mode?: 'manual' | 'open' | 'request' | 'invite' | 'sync';
	leadersManageMembers?: boolean;
};

async function insertGroup(name: string, options: GroupOptions): Promise<string> {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, parent_id, name, visibility, membership_mode, leaders_manage_members)
		values ('organisation', ${options.organisationId ?? null}, ${options.parentId ?? null}, ${name},
		        ${options.visibility ?? 'members'}, ${options.mode ?? 'manual'}, ${options.leadersManageMembers ?? true})
		returning id`;
	return row.id;
}

async function addMember(groupId: string, user: TestUser, role: 'member' | 'leader' = 'member') {
	await ownerDb()`insert into public.group_members (group_id, user_id, role) values (${groupId}, ${user.id}, ${role})`;
}

/**
 * The groups cast (see group-cast.ts: G ⊃ G.1 ⊃ G.1.a and sibling H, in organisation O) and,
 * around it, one group of every kind a policy treats differently:
 *
 * - Hid: hidden sub-group of G, learnerG1 is a member; R: a scope-visible sub-group of G that
 *   takes requests (learnerG and learnerH have asked to join);
 * - Hs: a synced sub-group of H (learnerH in it); Hn: a sub-group of H whose leaders may not
 *   manage members;
 * - S: scope-visible (learnerG1a in it); Own: 'own' visibility (learnerG, learnerH); P: open and
 *   scope-visible (learnerH); Pm: open but members-only, with nobody in it;
 * - F: a group of another organisation, its admin a member;
 * - course C of O (with its instructor) linked to G; course FC of the other organisation linked
 *   to F; an invitation to G.1.
 */
export async function groupRlsCast() {
	const base = await groupCast();
	const org = base.org.id;
	const groups = {
		G: base.G.id,
		G1: base.G1.id,
		G1a: base.G1a.id,
		H: base.H.id,
		Hid: await insertGroup(HIDDEN_NAME, { parentId: base.G.id, visibility: 'hidden' }),
		R: await insertGroup('Reading room', {
			parentId: base.G.id,
			visibility: 'scope',
			mode: 'request'
		}),
		Hs: await insertGroup('HR feed', { parentId: base.H.id, mode: 'sync' }),
		Hn: await insertGroup('Admin-run', { parentId: base.H.id, leadersManageMembers: false }),
		S: await insertGroup('Everyone sees', { organisationId: org, visibility: 'scope' }),
		Own: await insertGroup('Mentees', { organisationId: org, visibility: 'own' }),
		P: await insertGroup('Book club', { organisationId: org, visibility: 'scope', mode: 'open' }),
		Pm: await insertGroup('Quiet club', { organisationId: org, mode: 'open' }),
		F: await insertGroup('Foreign cohort', { organisationId: base.otherOrg.id })
	};
	await addMember(groups.Hid, base.learnerG1);
	await addMember(groups.Hs, base.learnerH);
	await addMember(groups.S, base.learnerG1a);
	await addMember(groups.Own, base.learnerG);
	await addMember(groups.Own, base.learnerH);
	await addMember(groups.P, base.learnerH);
	await addMember(groups.F, base.otherOrgAdmin);
	// A member of the other organisation in no group: whom its groups may take.
	const foreigner = await createUser({ name: 'Foreigner' });
	await addOrganisationMember(base.otherOrg.id, foreigner.id);

	const instructor = await createUser({ name: 'Instructor' });
	const course = await createCourse(org);
	const foreignCourse = await createCourse(base.otherOrg.id);
	const spareCourse = await createCourse(org);
	await enrol(course.id, instructor.id, 'instructor');
	const [L] = await ownerDb()<{ id: string }[]>`
		insert into public.course_group_links (course_id, group_id) values (${course.id}, ${groups.G}) returning id`;
	const [FL] = await ownerDb()<{ id: string }[]>`
		insert into public.course_group_links (course_id, group_id) values (${foreignCourse.id}, ${groups.F}) returning id`;

	const requests: Record<string, string> = {};
	for (const who of ['learnerG', 'learnerH'] as const) {
		const [row] = await ownerDb()<{ id: string }[]>`
			insert into public.group_join_requests (group_id, user_id) values (${groups.R}, ${base[who].id}) returning id`;
		requests[who] = row.id;
	}
	const [invite] = await ownerDb()<{ id: string }[]>`
		insert into public.group_invites (group_id, token_hash, expires_at)
		values (${groups.G1}, ${'a'.repeat(64)}, now() + interval '1 day') returning id`;

	const people = {
		learnerG: base.learnerG,
		learnerG1: base.learnerG1,
		learnerG1a: base.learnerG1a,
		learnerH: base.learnerH,
		leaderG: base.leaderG,
		leaderG1: base.leaderG1,
		leaderH: base.leaderH,
		outsider: base.outsider,
		instructor,
		otherOrgAdmin: base.otherOrgAdmin,
		orgAdmin: base.orgAdmin,
		platformAdmin: base.platformAdmin
	};
	const names = new Map<string, string>();
	for (const [name, user] of Object.entries(people)) names.set(user.id, name);
	for (const [name, id] of Object.entries(groups)) names.set(id, name);
	names.set(L.id, 'L');
	names.set(FL.id, 'FL');
	return {
		org,
		otherOrg: base.otherOrg.id,
		people,
		foreigner,
		groups,
		course: course.id,
		foreignCourse: foreignCourse.id,
		spareCourse: spareCourse.id,
		links: { L: L.id, FL: FL.id },
		requests,
		invite: invite.id,
		/** The cast's name for an id (a person, a group or a link). */
		name: (id: string) => names.get(id) ?? `unknown:${id}`
	};
}

export type GroupCast = Awaited<ReturnType<typeof groupRlsCast>>;

export function actorOf(cast: GroupCast, who: Who): Actor {
	return who === 'anon' ? null : actor(cast.people[who]);
}

/** The id of `who`, or null for an anonymous visitor. */
export function idOf(cast: GroupCast, who: Who): string | null {
	return who === 'anon' ? null : cast.people[who].id;
}

class Rollback extends Error {
	constructor(readonly count: number) {
		super('rollback');
	}
}

type Statement = (tx: Tx) => Promise<{ count: number }>;

/** As matrix.ts's attempt, with the channel (`via`) the change comes through. */
export async function attempt(
	actorValue: Actor,
	statement: Statement,
	{ rollback, via = 'app' }: { rollback: boolean; via?: Via }
): Promise<Outcome> {
	try {
		return await withUser(
			actorValue,
			async (tx) => {
				const rows = await statement(tx);
				if (rollback) throw new Rollback(rows.count);
				return { count: rows.count };
			},
			via
		);
	} catch (error) {
		if (error instanceof Rollback) return { count: error.count };
		const code = (error as { code?: string }).code;
		if (!code) throw error;
		return { code };
	}
}

/**
 * One test per person for one change. The allowed change exactly `expectedCount` rows (rolled
 * back); everyone else changes nothing: a denied insert fails with 42501, a denied update or
 * delete matches no row, unless `denied` names another outcome for that person (a with-check
 * failure is 42501 even on an update). The owner's snapshot proves nothing changed.
 */
export function changeMatrix(options: {
	cast: () => GroupCast;
	table: string;
	action: string;
	kind: 'insert' | 'update' | 'delete';
	allowed: readonly Who[];
	statement: (cast: GroupCast, who: Who) => Statement;
	expectedCount?: number;
	via?: Via;
	denied?: Partial<Record<Who, Outcome>>;
}) {
	for (const who of EVERYONE) {
		const allowed = options.allowed.includes(who);
		it(`${allowed ? 'lets' : 'stops'} ${LABEL[who]} ${options.action}`, async () => {
			const cast = options.cast();
			const before = await snapshot(options.table);
			const outcome = await attempt(actorOf(cast, who), options.statement(cast, who), {
				rollback: allowed,
				via: options.via
			});
			if (allowed) {
				expect(outcome).toEqual({ count: options.expectedCount ?? 1 });
			} else {
				const fallback = options.kind === 'insert' ? { code: '42501' } : { count: 0 };
				expect(outcome).toEqual(options.denied?.[who] ?? fallback);
			}
			expect(await snapshot(options.table)).toBe(before);
		});
	}
}

/** One test per person: exactly these rows (by the cast's names) are visible. */
export function visibilityMatrix(options: {
	cast: () => GroupCast;
	what: string;
	expected: Record<Who, string[]>;
	visible: (tx: Tx, cast: GroupCast) => Promise<string[]>;
}) {
	for (const who of EVERYONE) {
		const expected = [...options.expected[who]].sort();
		it(`shows ${LABEL[who]} ${expected.length === 0 ? 'no' : expected.join(', ')} ${options.what}`, async () => {
			const cast = options.cast();
			const seen = await withUser(actorOf(cast, who), (tx) => options.visible(tx, cast));
			expect([...seen].sort()).toEqual(expected);
		});
	}
}

/** A single attempt that must be refused with `outcome` and leave `tables` exactly as they were. */
export async function expectRefused(
	actorValue: Actor,
	statement: Statement,
	outcome: Outcome,
	tables: string[],
	via: Via = 'app'
) {
	const before = await Promise.all(tables.map((table) => snapshot(table)));
	expect(await attempt(actorValue, statement, { rollback: false, via })).toEqual(outcome);
	expect(await Promise.all(tables.map((table) => snapshot(table)))).toEqual(before);
}
