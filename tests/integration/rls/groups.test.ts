import { beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Tx } from '$lib/server/db';
import { ownerDb } from '../helpers';
import {
	actorOf,
	attempt,
	changeMatrix,
	EVERYONE,
	expectRefused,
	groupRlsCast,
	HIDDEN_NAME,
	idOf,
	LABEL,
	LEADERS,
	LEARNERS,
	visibilityMatrix,
	type GroupCast,
	type Who
} from './group-matrix';

let cast: GroupCast;
const getCast = () => cast;

beforeAll(async () => {
	cast = await groupRlsCast();
});

// Open groups (P, and Pm whose members only see each other) are discoverable by everyone who may
// join them: the organisation's people, the instructor of its course included.
const GROUPS_SEEN: Record<Who, string[]> = {
	anon: [],
	learnerG: ['G', 'Own', 'R', 'S', 'P', 'Pm'],
	// Through G.1 they belong to G too; never to the hidden group they are in.
	learnerG1: ['G', 'G1', 'R', 'S', 'P', 'Pm'],
	learnerH: ['H', 'Hs', 'Own', 'P', 'Pm', 'R', 'S'],
	leaderG: ['G', 'G1', 'G1a', 'Hid', 'R', 'S', 'P', 'Pm'],
	leaderG1: ['G', 'G1', 'G1a', 'R', 'S', 'P', 'Pm'],
	leaderH: ['H', 'Hs', 'Hn', 'R', 'S', 'P', 'Pm'],
	outsider: ['R', 'S', 'P', 'Pm'],
	instructor: ['R', 'S', 'P', 'Pm'],
	otherOrgAdmin: ['F'],
	orgAdmin: ['G', 'G1', 'G1a', 'Hid', 'R', 'H', 'Hs', 'Hn', 'S', 'Own', 'P', 'Pm'],
	platformAdmin: ['G', 'G1', 'G1a', 'Hid', 'R', 'H', 'Hs', 'Hn', 'S', 'Own', 'P', 'Pm', 'F']
};

// The cast's tree, every (ancestor, descendant) pair, each group its own ancestor.
const TREE = [
	...GROUPS_SEEN.platformAdmin.map((g) => `${g}>${g}`),
	'G>G1',
	'G>G1a',
	'G1>G1a',
	'G>Hid',
	'G>R',
	'H>Hs',
	'H>Hn'
];

const groupIds = (cast: GroupCast) => Object.values(cast.groups);

describe('groups', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'groups',
		expected: GROUPS_SEEN,
		visible: async (tx, cast) =>
			(await tx`select id from public.groups where id = any(${groupIds(cast)}::uuid[])`).map((r) =>
				cast.name(r.id)
			)
	});

	const newGroup = (
		tx: Tx,
		organisationId: string | null,
		parentId: string | null,
		scope = 'organisation'
	) =>
		tx`insert into public.groups (scope, organisation_id, parent_id, name) values (${scope}, ${organisationId}, ${parentId}, 'New')`;

	changeMatrix({
		cast: getCast,
		table: 'groups',
		kind: 'insert',
		action: 'create a top-level group in the organisation',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => newGroup(tx, cast.org, null)
	});
	changeMatrix({
		cast: getCast,
		table: 'groups',
		kind: 'insert',
		action: 'create a sub-group of G.1',
		allowed: ['leaderG', 'leaderG1', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => newGroup(tx, cast.org, cast.groups.G1)
	});
	changeMatrix({
		cast: getCast,
		table: 'groups',
		kind: 'insert',
		action: 'create a sub-group of H',
		allowed: ['leaderH', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => newGroup(tx, cast.org, cast.groups.H)
	});
	changeMatrix({
		cast: getCast,
		table: 'groups',
		kind: 'insert',
		action: 'create a group in another organisation',
		allowed: ['otherOrgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => newGroup(tx, cast.otherOrg, null)
	});
	changeMatrix({
		cast: getCast,
		table: 'groups',
		kind: 'insert',
		action: 'create a platform group',
		allowed: ['platformAdmin'],
		statement: () => (tx) => newGroup(tx, null, null, 'platform')
	});
	changeMatrix({
		cast: getCast,
		table: 'groups',
		kind: 'update',
		action: 'rename G.1',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.groups set name = 'Renamed' where id = ${cast.groups.G1}`
	});
	changeMatrix({
		cast: getCast,
		table: 'groups',
		kind: 'update',
		action: 'let the leaders of H stop managing members',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.groups set leaders_manage_members = false where id = ${cast.groups.H}`
	});
	changeMatrix({
		cast: getCast,
		table: 'groups',
		kind: 'update',
		action: 'make the hidden group visible to its scope',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.groups set visibility = 'scope' where id = ${cast.groups.Hid}`
	});
	changeMatrix({
		cast: getCast,
		table: 'groups',
		kind: 'update',
		action: 'move G.1.a to the top of the organisation',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.groups set parent_id = null where id = ${cast.groups.G1a}`
	});
	changeMatrix({
		cast: getCast,
		table: 'groups',
		kind: 'delete',
		action: 'delete G.1 (and G.1.a with it)',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => tx`delete from public.groups where id = ${cast.groups.G1}`
	});
	changeMatrix({
		cast: getCast,
		table: 'groups',
		kind: 'delete',
		action: 'delete H',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => tx`delete from public.groups where id = ${cast.groups.H}`
	});

	describe('escalation', () => {
		const tables = ['groups', 'group_closure', 'group_members'];

		it('stops the organisation admin moving a group under another organisation’s group', async () => {
			const admin = actorOf(cast, 'orgAdmin');
			const { G1 } = cast.groups;
			await expectRefused(
				admin,
				(tx) => tx`update public.groups set parent_id = ${cast.groups.F} where id = ${G1}`,
				{ code: '23514' },
				tables
			);
			await expectRefused(
				admin,
				(tx) =>
					tx`update public.groups set parent_id = ${cast.groups.F}, organisation_id = ${cast.otherOrg} where id = ${G1}`,
				{ code: '42501' },
				tables
			);
		});

		it('stops the admin of another organisation planting their group under G', async () => {
			const admin = actorOf(cast, 'otherOrgAdmin');
			const { F, G } = cast.groups;
			await expectRefused(
				admin,
				(tx) => tx`update public.groups set parent_id = ${G} where id = ${F}`,
				{ code: '23514' },
				tables
			);
			await expectRefused(
				admin,
				(tx) =>
					tx`update public.groups set parent_id = ${G}, organisation_id = ${cast.org} where id = ${F}`,
				{ code: '42501' },
				tables
			);
		});

		it('stops the organisation admin changing a group’s organisation, course or scope', async () => {
			const admin = actorOf(cast, 'orgAdmin');
			const { G, G1 } = cast.groups;
			for (const change of [
				(tx: Tx) => tx`update public.groups set organisation_id = ${cast.otherOrg} where id = ${G}`,
				(tx: Tx) =>
					tx`update public.groups set parent_id = null, organisation_id = ${cast.otherOrg} where id = ${G1}`,
				(tx: Tx) =>
					tx`update public.groups set parent_id = null, scope = 'platform', organisation_id = null where id = ${G1}`,
				(tx: Tx) =>
					tx`update public.groups set scope = 'course', course_id = ${cast.course} where id = ${G}`
			]) {
				await expectRefused(admin, change, { code: '42501' }, tables);
			}
		});

		it('stops the organisation admin creating a group in another organisation, directly or under its group', async () => {
			const admin = actorOf(cast, 'orgAdmin');
			await expectRefused(
				admin,
				(tx) => newGroup(tx, cast.otherOrg, null),
				{ code: '42501' },
				tables
			);
			// The parent's organisation wins over the one named, and it is not theirs.
			await expectRefused(
				admin,
				(tx) => newGroup(tx, cast.org, cast.groups.F),
				{ code: '42501' },
				tables
			);
		});

		for (const who of LEADERS) {
			it(`stops ${LABEL[who]} editing, moving or deleting the groups they lead`, async () => {
				const led = who === 'leaderH' ? cast.groups.H : cast.groups.G1;
				const me = actorOf(cast, who);
				await expectRefused(
					me,
					(tx) => tx`update public.groups set name = 'Mine' where id = ${led}`,
					{ count: 0 },
					tables
				);
				await expectRefused(
					me,
					(tx) => tx`update public.groups set parent_id = null where id = ${cast.groups.Hs}`,
					{ count: 0 },
					tables
				);
				await expectRefused(
					me,
					(tx) =>
						tx`update public.groups set leaders_manage_members = true where id = ${cast.groups.Hn}`,
					{ count: 0 },
					tables
				);
				await expectRefused(
					me,
					(tx) => tx`delete from public.groups where id = ${led}`,
					{ count: 0 },
					tables
				);
			});
		}
	});
});

describe('group_closure', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'links of the hierarchy (the pairs of groups they can see)',
		expected: Object.fromEntries(
			EVERYONE.map((who) => [
				who,
				TREE.filter((pair) => pair.split('>').every((g) => GROUPS_SEEN[who].includes(g)))
			])
		) as Record<Who, string[]>,
		visible: async (tx, cast) =>
			(
				await tx`select ancestor_id, descendant_id from public.group_closure
					where descendant_id = any(${groupIds(cast)}::uuid[])`
			).map((r) => `${cast.name(r.ancestor_id)}>${cast.name(r.descendant_id)}`)
	});

	// Only the hierarchy triggers write the closure: a forged row would make G.1's leader lead H.
	changeMatrix({
		cast: getCast,
		table: 'group_closure',
		kind: 'insert',
		action: 'put H under G.1 in the closure',
		allowed: [],
		statement: (cast) => (tx) =>
			tx`insert into public.group_closure (ancestor_id, descendant_id, depth) values (${cast.groups.G1}, ${cast.groups.H}, 1)`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_closure',
		kind: 'update',
		action: 're-point a closure row',
		allowed: [],
		statement: (cast) => (tx) =>
			tx`update public.group_closure set ancestor_id = ${cast.groups.G1}
				where ancestor_id = ${cast.groups.H} and descendant_id = ${cast.groups.Hs}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_closure',
		kind: 'delete',
		action: 'cut the hidden group out of the closure',
		allowed: [],
		statement: (cast) => (tx) =>
			tx`delete from public.group_closure where descendant_id = ${cast.groups.Hid}`
	});
});

describe('group_members', () => {
	const O_ROWS = [
		'G:learnerG',
		'G:leaderG',
		'G1:learnerG1',
		'G1:leaderG1',
		'G1a:learnerG1a',
		'Hid:learnerG1',
		'H:learnerH',
		'H:leaderH',
		'Hs:learnerH',
		'S:learnerG1a',
		'Own:learnerG',
		'Own:learnerH',
		'P:learnerH'
	];
	const SCOPE_ROWS = ['S:learnerG1a', 'P:learnerH'];
	visibilityMatrix({
		cast: getCast,
		what: 'memberships',
		expected: {
			anon: [],
			// Own roster of G; only themselves in the 'own' group.
			learnerG: ['G:learnerG', 'G:leaderG', 'Own:learnerG', ...SCOPE_ROWS],
			// G.1's roster, not G's (they belong to G only through G.1), not the hidden group's.
			learnerG1: ['G1:learnerG1', 'G1:leaderG1', ...SCOPE_ROWS],
			learnerH: ['H:learnerH', 'H:leaderH', 'Hs:learnerH', 'Own:learnerH', ...SCOPE_ROWS],
			leaderG: [
				'G:learnerG',
				'G:leaderG',
				'G1:learnerG1',
				'G1:leaderG1',
				'G1a:learnerG1a',
				'Hid:learnerG1',
				...SCOPE_ROWS
			],
			// Nothing of H, nothing of G's direct roster.
			leaderG1: ['G1:learnerG1', 'G1:leaderG1', 'G1a:learnerG1a', ...SCOPE_ROWS],
			leaderH: ['H:learnerH', 'H:leaderH', 'Hs:learnerH', ...SCOPE_ROWS],
			outsider: SCOPE_ROWS,
			instructor: SCOPE_ROWS,
			otherOrgAdmin: ['F:otherOrgAdmin'],
			orgAdmin: O_ROWS,
			platformAdmin: [...O_ROWS, 'F:otherOrgAdmin']
		},
		visible: async (tx, cast) =>
			(
				await tx`select group_id, user_id from public.group_members where group_id = any(${groupIds(cast)}::uuid[])`
			).map((r) => `${cast.name(r.group_id)}:${cast.name(r.user_id)}`)
	});

	const addTo =
		(group: keyof GroupCast['groups'], user: 'outsider' | 'learnerG1a', role = 'member') =>
		(cast: GroupCast) =>
		(tx: Tx) =>
			tx`insert into public.group_members (group_id, user_id, role) values (${cast.groups[group]}, ${cast.people[user].id}, ${role})`;

	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'add a member to G.1',
		allowed: ['leaderG', 'leaderG1', 'orgAdmin', 'platformAdmin'],
		statement: addTo('G1', 'outsider')
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'add a leader to G.1',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: addTo('G1', 'outsider', 'leader')
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'add a member to H',
		allowed: ['leaderH', 'orgAdmin', 'platformAdmin'],
		statement: addTo('H', 'outsider')
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'add a member to a group whose leaders may not manage members',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: addTo('Hn', 'outsider')
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'add a member to the other organisation’s group',
		allowed: ['otherOrgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`insert into public.group_members (group_id, user_id, role) values (${cast.groups.F}, ${cast.foreigner.id}, 'member')`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'add a person of this organisation to the other organisation’s group',
		allowed: ['platformAdmin'],
		statement: addTo('F', 'outsider'),
		// The other organisation's admin passes RLS; the scope trigger refuses the person.
		denied: { otherOrgAdmin: { code: '23514' } }
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'update',
		action: 'end a membership in G.1',
		allowed: ['leaderG', 'leaderG1', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.group_members set valid_until = now() + interval '1 day'
				where group_id = ${cast.groups.G1} and user_id = ${cast.people.learnerG1.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'update',
		action: 'make a member of G.1 a leader',
		allowed: ['orgAdmin', 'platformAdmin'],
		// A leader may change the member's row, but not into a leader's.
		denied: { leaderG: { code: '42501' }, leaderG1: { code: '42501' } },
		statement: (cast) => (tx) =>
			tx`update public.group_members set role = 'leader'
				where group_id = ${cast.groups.G1} and user_id = ${cast.people.learnerG1.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'update',
		action: 'demote the leader of G.1',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.group_members set role = 'member'
				where group_id = ${cast.groups.G1} and user_id = ${cast.people.leaderG1.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'delete',
		action: 'remove a member from G.1',
		allowed: ['leaderG', 'leaderG1', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`delete from public.group_members where group_id = ${cast.groups.G1} and user_id = ${cast.people.learnerG1.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'delete',
		action: 'remove the leader of G.1',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`delete from public.group_members where group_id = ${cast.groups.G1} and user_id = ${cast.people.leaderG1.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'delete',
		action: 'remove a member from the hidden group',
		allowed: ['leaderG', 'orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`delete from public.group_members where group_id = ${cast.groups.Hid} and user_id = ${cast.people.learnerG1.id}`
	});

	describe('an open group', () => {
		const join =
			(group: 'P' | 'Pm', role = 'member', source = 'self') =>
			(cast: GroupCast, who: Who) =>
			(tx: Tx) =>
				tx`insert into public.group_members (group_id, user_id, role, source)
				values (${cast.groups[group]}, ${idOf(cast, who)}, ${role}, ${source})`;
		changeMatrix({
			cast: getCast,
			table: 'group_members',
			kind: 'insert',
			action: 'join the open group themselves',
			allowed: [
				'learnerG',
				'learnerG1',
				'leaderG',
				'leaderG1',
				'leaderH',
				'outsider',
				'instructor',
				'orgAdmin',
				'platformAdmin'
			],
			// Already in it.
			denied: { learnerH: { code: '23505' } },
			statement: join('P')
		});
		changeMatrix({
			cast: getCast,
			table: 'group_members',
			kind: 'insert',
			action: 'join the open group as its leader',
			allowed: ['orgAdmin', 'platformAdmin'],
			statement: join('P', 'leader')
		});
		changeMatrix({
			cast: getCast,
			table: 'group_members',
			kind: 'insert',
			action: 'join the open group claiming to have been added by hand',
			allowed: ['orgAdmin', 'platformAdmin'],
			statement: join('P', 'member', 'manual')
		});
		changeMatrix({
			cast: getCast,
			table: 'group_members',
			kind: 'insert',
			action: 'sign someone else up for the open group',
			allowed: ['orgAdmin', 'platformAdmin'],
			statement: (cast) => (tx) =>
				tx`insert into public.group_members (group_id, user_id, source) values (${cast.groups.P}, ${cast.people.learnerG1a.id}, 'self')`
		});
		// Open, though only its members see who is in it: everyone who may join it finds it.
		changeMatrix({
			cast: getCast,
			table: 'group_members',
			kind: 'insert',
			action: 'join an open group whose member list is closed to them',
			allowed: [
				'learnerG',
				'learnerG1',
				'learnerH',
				'leaderG',
				'leaderG1',
				'leaderH',
				'outsider',
				'instructor',
				'orgAdmin',
				'platformAdmin'
			],
			statement: join('Pm')
		});
		changeMatrix({
			cast: getCast,
			table: 'group_members',
			kind: 'delete',
			action: 'take the learner of H out of the open group',
			allowed: ['learnerH', 'orgAdmin', 'platformAdmin'],
			statement: (cast) => (tx) =>
				tx`delete from public.group_members where group_id = ${cast.groups.P} and user_id = ${cast.people.learnerH.id}`
		});
	});

	describe('a synced group', () => {
		const add = addTo('Hs', 'outsider');
		const end = (cast: GroupCast) => (tx: Tx) =>
			tx`update public.group_members set valid_until = now() + interval '1 day'
				where group_id = ${cast.groups.Hs} and user_id = ${cast.people.learnerH.id}`;
		const remove = (cast: GroupCast) => (tx: Tx) =>
			tx`delete from public.group_members where group_id = ${cast.groups.Hs} and user_id = ${cast.people.learnerH.id}`;
		for (const via of ['app', 'api'] as const) {
			// Locked to everyone in the app; through the API only admins change it, never leaders.
			const allowed = via === 'api' ? (['orgAdmin', 'platformAdmin'] as const) : ([] as const);
			const how = via === 'api' ? 'through the API' : 'in the app';
			changeMatrix({
				cast: getCast,
				table: 'group_members',
				kind: 'insert',
				via,
				allowed,
				action: `add a member ${how}`,
				statement: add
			});
			changeMatrix({
				cast: getCast,
				table: 'group_members',
				kind: 'update',
				via,
				allowed,
				action: `end a membership ${how}`,
				statement: end
			});
			changeMatrix({
				cast: getCast,
				table: 'group_members',
				kind: 'delete',
				via,
				allowed,
				action: `remove a member ${how}`,
				statement: remove
			});
		}

		it('stops the organisation admin moving a membership into it in the app', async () => {
			await expectRefused(
				actorOf(cast, 'orgAdmin'),
				(tx) => tx`update public.group_members set group_id = ${cast.groups.Hs}
					where group_id = ${cast.groups.G} and user_id = ${cast.people.learnerG.id}`,
				{ code: '42501' },
				['group_members']
			);
		});
	});

	describe('escalation', () => {
		for (const who of LEARNERS) {
			it(`stops ${LABEL[who]} making themselves a leader, leaving a manual group, or ending someone else's membership`, async () => {
				const me = actorOf(cast, who);
				const self = idOf(cast, who);
				const tables = ['group_members'];
				await expectRefused(
					me,
					(tx) => tx`update public.group_members set role = 'leader' where user_id = ${self}`,
					{ count: 0 },
					tables
				);
				await expectRefused(
					me,
					(tx) => tx`update public.group_members set valid_until = now() where user_id <> ${self}`,
					{ count: 0 },
					tables
				);
				await expectRefused(
					me,
					(tx) =>
						tx`delete from public.group_members where user_id = ${self} and group_id <> ${cast.groups.P}`,
					{ count: 0 },
					tables
				);
				await expectRefused(
					me,
					(tx) =>
						tx`insert into public.group_members (group_id, user_id, role) values (${cast.groups.G}, ${self}, 'leader')`,
					{ code: '42501' },
					tables
				);
			});
		}

		for (const who of LEADERS) {
			it(`stops ${LABEL[who]} naming leaders or promoting their own membership`, async () => {
				const me = actorOf(cast, who);
				const led = who === 'leaderH' ? cast.groups.H : cast.groups.G1;
				const tables = ['group_members'];
				await expectRefused(
					me,
					(tx) =>
						tx`insert into public.group_members (group_id, user_id, role) values (${led}, ${cast.people.outsider.id}, 'leader')`,
					{ code: '42501' },
					tables
				);
				// Their own row is a leader's, which leaders never change, in the group or above it.
				await expectRefused(
					me,
					(tx) =>
						tx`update public.group_members set valid_until = 'infinity', role = 'leader' where user_id = ${idOf(cast, who)}`,
					{ count: 0 },
					tables
				);
				await expectRefused(
					me,
					(tx) => tx`delete from public.group_members where role = 'leader'`,
					{ count: 0 },
					tables
				);
			});
		}
	});
});

describe('a hidden group', () => {
	it('never shows its name to its own member, directly or through a join', async () => {
		const member = cast.people.learnerG1;
		const seen = await withUser(actorOf(cast, 'learnerG1'), async (tx) => ({
			byId: (await tx`select name from public.groups where id = ${cast.groups.Hid}`).length,
			byName: (await tx`select 1 from public.groups where name = ${HIDDEN_NAME}`).length,
			ownMemberships: (
				await tx`select group_id from public.group_members where user_id = ${member.id}`
			).map((r) => cast.name(r.group_id)),
			throughMembers: (
				await tx`select g.name from public.group_members m join public.groups g on g.id = m.group_id`
			).map((r) => r.name as string),
			throughClosure: (
				await tx`select g.name from public.group_closure c join public.groups g on g.id = c.descendant_id
					where c.ancestor_id = ${cast.groups.G}`
			).map((r) => r.name as string)
		}));
		expect(seen.byId).toBe(0);
		expect(seen.byName).toBe(0);
		expect(seen.ownMemberships).toEqual(['G1']);
		expect(seen.throughMembers).not.toContain(HIDDEN_NAME);
		expect(seen.throughClosure).not.toContain(HIDDEN_NAME);
		expect(seen.throughClosure.length).toBeGreaterThan(0);
	});

	for (const who of [...LEARNERS, 'outsider', 'instructor', 'leaderG1', 'leaderH'] as const) {
		it(`leaves no trace of its name in any table ${LABEL[who]} can read`, async () => {
			const tables = (
				await ownerDb()<{ name: string }[]>`
					select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
					where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`
			).map((row) => row.name);
			const [{ count: stored }] = await ownerDb()`
				select count(*)::int as count from public.audit_events where data::text like ${'%' + HIDDEN_NAME + '%'}`;
			expect(stored).toBeGreaterThan(0);
			const leaks: string[] = [];
			for (const table of tables) {
				const outcome = await attempt(
					actorOf(cast, who),
					(tx) =>
						tx.unsafe(`select 1 from public.${table} t where to_jsonb(t)::text like $1`, [
							`%${HIDDEN_NAME}%`
						]),
					{ rollback: false }
				);
				if ('count' in outcome && outcome.count > 0) leaks.push(table);
			}
			expect(leaks).toEqual([]);
		});
	}
});
