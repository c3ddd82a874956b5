import { beforeAll, describe, expect, it } from 'vitest';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import { withUser } from '$lib/server/db';
import { groupCast, type Cast } from './group-cast';
import { actor, addOrganisationMember, createCourse, createUser, enrol, ownerDb } from './helpers';

let cast: Cast;
beforeAll(async () => {
	cast = await groupCast();
});

describe('hierarchy', () => {
	it('gives a sub-group its parent scope and records every ancestor', async () => {
		const rows = await ownerDb()<{ ancestor_id: string; depth: number }[]>`
			select ancestor_id, depth from public.group_closure where descendant_id = ${cast.G1a.id} order by depth`;
		expect(rows.map((row) => [row.ancestor_id, row.depth])).toEqual([
			[cast.G1a.id, 0],
			[cast.G1.id, 1],
			[cast.G.id, 2]
		]);
		expect(cast.G1a.scope).toBe('organisation');
		expect(cast.G1a.organisationId).toBe(cast.org.id);
	});

	it('moves a subtree and keeps the closure exact', async () => {
		const admin = actor(cast.orgAdmin);
		const X = await groups.create(admin, { organisationId: cast.org.id, name: 'Mover' });
		const Y = await groups.create(admin, { parentId: X.id, name: 'Mover child' });
		await groups.move(admin, X.id, { parentId: cast.H.id });
		const paths = await ownerDb()<{ ancestor_id: string }[]>`
			select ancestor_id from public.group_closure where descendant_id = ${Y.id} order by depth`;
		expect(paths.map((row) => row.ancestor_id)).toEqual([Y.id, X.id, cast.H.id]);
		await groups.move(admin, X.id, { parentId: null });
		const after = await ownerDb()<{ ancestor_id: string }[]>`
			select ancestor_id from public.group_closure where descendant_id = ${Y.id} order by depth`;
		expect(after.map((row) => row.ancestor_id)).toEqual([Y.id, X.id]);
	});

	it('refuses to move a group into itself or its own sub-group, and changes nothing', async () => {
		const admin = actor(cast.orgAdmin);
		await expect(groups.move(admin, cast.G.id, { parentId: cast.G1a.id })).rejects.toThrow(
			/cannot move into itself or one of its own sub-groups/
		);
		await expect(groups.move(admin, cast.G.id, { parentId: cast.G.id })).rejects.toThrow(
			/cannot move/
		);
		const [{ parent_id }] =
			await ownerDb()`select parent_id from public.groups where id = ${cast.G.id}`;
		expect(parent_id).toBeNull();
	});

	it('never creates a cycle when two admins move subtrees into each other at once', async () => {
		const admin = actor(cast.orgAdmin);
		for (let round = 0; round < 5; round++) {
			const A = await groups.create(admin, {
				organisationId: cast.org.id,
				name: `Race A ${round}`
			});
			const B = await groups.create(admin, {
				organisationId: cast.org.id,
				name: `Race B ${round}`
			});
			const results = await Promise.allSettled([
				groups.move(admin, A.id, { parentId: B.id }),
				groups.move(actor(cast.platformAdmin), B.id, { parentId: A.id })
			]);
			expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
			const [{ cycles }] = await ownerDb()`
				select count(*)::int as cycles from public.group_closure where ancestor_id = descendant_id and depth > 0`;
			expect(cycles).toBe(0);
		}
	});

	it('keeps a group inside its organisation', async () => {
		const foreign = await groups.create(actor(cast.platformAdmin), {
			organisationId: cast.otherOrg.id,
			name: 'Elsewhere'
		});
		await expect(
			groups.move(actor(cast.platformAdmin), foreign.id, { parentId: cast.G.id })
		).rejects.toThrow(/only move within its own organisation/);
	});

	it('keeps idnumbers unique within a scope but not across scopes', async () => {
		await expect(
			groups.create(actor(cast.orgAdmin), {
				organisationId: cast.org.id,
				name: 'Copy',
				idnumber: 'C2026'
			})
		).rejects.toThrow(/already used in this scope/);
		const elsewhere = await groups.create(actor(cast.platformAdmin), {
			organisationId: cast.otherOrg.id,
			name: 'Same idnumber elsewhere',
			idnumber: 'C2026'
		});
		expect(elsewhere.idnumber).toBe('C2026');
	});
});

describe('effective membership', () => {
	it('counts members of sub-groups as members of every ancestor, shown through the sub-group', async () => {
		const members = await memberships.list(actor(cast.orgAdmin), cast.G.id);
		const byName = Object.fromEntries(members.map((m) => [m.displayName, m]));
		expect(Object.keys(byName).sort()).toEqual(
			['leaderG', 'leaderG1', 'learnerG', 'learnerG1', 'learnerG1a'].sort()
		);
		expect(byName.learnerG.direct).toBe(true);
		expect(byName.learnerG1.direct).toBe(false);
		expect(byName.learnerG1.viaGroupName).toBe('Cohort 2026 — Group 1');
		expect(byName.learnerG1a.viaGroupName).toBe('Study circle A');
	});

	it('stops counting an expired membership everywhere at once', async () => {
		const admin = actor(cast.orgAdmin);
		const temp = await createUser({ name: 'Temporary' });
		await addOrganisationMember(cast.org.id, temp.id);
		await memberships.add(admin, cast.G1a.id, { userIds: [temp.id] });
		expect(
			await withUser(actor(temp), (tx) => tx`select id from public.groups where id = ${cast.G.id}`)
		).toHaveLength(1);
		expect((await memberships.list(admin, cast.G.id)).some((m) => m.userId === temp.id)).toBe(true);
		await ownerDb()`update public.group_members set valid_from = now() - interval '2 days', valid_until = now() - interval '1 second'
			where user_id = ${temp.id}`;
		expect((await memberships.list(admin, cast.G.id)).some((m) => m.userId === temp.id)).toBe(
			false
		);
		const visible = await withUser(
			actor(temp),
			(tx) => tx`select id from public.groups where id in (${cast.G.id}, ${cast.G1a.id})`
		);
		expect(visible).toHaveLength(0);
		const isMember = await withUser(actor(temp), (tx) =>
			groups.isEffectiveMemberSql(tx, temp.id, cast.G.id)
		);
		expect(isMember[0].member).toBe(false);
	});
});

describe('leaders', () => {
	it('lets a leader see the members of the groups they lead and their sub-groups, not siblings', async () => {
		const seenByLeaderG = await memberships.list(actor(cast.leaderG), cast.G.id);
		expect(seenByLeaderG.map((m) => m.displayName)).toContain('learnerG1a');
		await expect(memberships.list(actor(cast.leaderG1), cast.G.id)).resolves.toBeDefined();
		const seenByLeaderG1 = await memberships.list(actor(cast.leaderG1), cast.G1.id);
		expect(seenByLeaderG1.map((m) => m.displayName).sort()).toEqual(
			['leaderG1', 'learnerG1', 'learnerG1a'].sort()
		);
		const membersOfH = await withUser(
			actor(cast.leaderG1),
			(tx) => tx`select user_id from public.group_members where group_id = ${cast.H.id}`
		);
		expect(membersOfH).toHaveLength(0);
	});

	it('lets a leader add a member to a sub-group they lead, but not to a sibling or parent group', async () => {
		const newcomer = await createUser({ name: 'Newcomer' });
		// One of the organisation's people whom the leader can see: they share a course.
		await addOrganisationMember(cast.org.id, newcomer.id);
		const shared = await createCourse(cast.org.id);
		await enrol(shared.id, newcomer.id);
		await enrol(shared.id, cast.leaderG1.id);
		const report = await memberships.add(actor(cast.leaderG1), cast.G1a.id, {
			emails: [newcomer.email]
		});
		expect(report.added).toBe(1);
		await expect(
			memberships.add(actor(cast.leaderG1), cast.H.id, { userIds: [newcomer.id] })
		).rejects.toThrow(/Not found/);
		await expect(
			memberships.add(actor(cast.leaderG1), cast.G.id, { userIds: [newcomer.id] })
		).rejects.toThrow(/Not found/);
		const rows =
			await ownerDb()`select group_id from public.group_members where user_id = ${newcomer.id}`;
		expect(rows.map((row) => row.group_id)).toEqual([cast.G1a.id]);
	});

	it('does not let a leader make leaders, only admins', async () => {
		await expect(
			memberships.setRole(actor(cast.leaderG), cast.G1.id, {
				userIds: [cast.learnerG1.id],
				role: 'leader'
			})
		).rejects.toThrow(/Not found/);
		const [{ role }] =
			await ownerDb()`select role from public.group_members where user_id = ${cast.learnerG1.id}`;
		expect(role).toBe('member');
	});

	it('respects a group that does not let leaders manage members', async () => {
		const admin = actor(cast.orgAdmin);
		const locked = await groups.create(admin, {
			parentId: cast.H.id,
			name: 'Locked',
			leadersManageMembers: false
		});
		const someone = await createUser();
		await addOrganisationMember(cast.org.id, someone.id);
		await expect(
			memberships.add(actor(cast.leaderH), locked.id, { userIds: [someone.id] })
		).rejects.toThrow(/Not found/);
		await groups.update(admin, locked.id, { leadersManageMembers: true });
		await expect(
			memberships.add(actor(cast.leaderH), locked.id, { userIds: [someone.id] })
		).resolves.toMatchObject({ added: 1 });
	});
});

describe('visibility', () => {
	it('hides a hidden group from its own learners and from everyone in the scope, not from its leaders', async () => {
		const admin = actor(cast.orgAdmin);
		const hidden = await groups.create(admin, {
			parentId: cast.H.id,
			name: 'Secret support group',
			visibility: 'hidden'
		});
		const learner = await createUser();
		await addOrganisationMember(cast.org.id, learner.id);
		await memberships.add(admin, hidden.id, { userIds: [learner.id] });
		for (const viewer of [learner, cast.learnerG, cast.leaderG]) {
			const rows = await withUser(
				actor(viewer),
				(tx) => tx`select name from public.groups where id = ${hidden.id}`
			);
			expect(rows).toHaveLength(0);
			const tree = await groups.tree(actor(viewer), { organisationId: cast.org.id });
			expect(tree.map((node) => node.name)).not.toContain('Secret support group');
		}
		const asLeader = await groups.tree(actor(cast.leaderH), { organisationId: cast.org.id });
		expect(asLeader.map((node) => node.name)).toContain('Secret support group');
	});

	it('shows a members-only group to its members but not to others in the organisation', async () => {
		const admin = actor(cast.orgAdmin);
		const club = await groups.create(admin, {
			organisationId: cast.org.id,
			name: 'Members club',
			visibility: 'members'
		});
		await memberships.add(admin, club.id, { userIds: [cast.learnerH.id] });
		expect(
			await withUser(
				actor(cast.learnerH),
				(tx) => tx`select 1 from public.groups where id = ${club.id}`
			)
		).toHaveLength(1);
		expect(
			await withUser(
				actor(cast.learnerG),
				(tx) => tx`select 1 from public.groups where id = ${club.id}`
			)
		).toHaveLength(0);
	});

	it('shows a group open to its scope, with its roster, to everyone in the organisation only', async () => {
		const admin = actor(cast.orgAdmin);
		const open = await groups.create(admin, {
			organisationId: cast.org.id,
			name: 'Everyone welcome',
			visibility: 'scope'
		});
		await memberships.add(admin, open.id, { userIds: [cast.learnerH.id] });
		expect(
			(await memberships.list(actor(cast.outsider), open.id)).map((m) => m.displayName)
		).toEqual(['learnerH']);
		await expect(memberships.list(actor(cast.otherOrgAdmin), open.id)).rejects.toThrow(/Not found/);
	});

	it('shows a sub-group member that the parent exists, but not its roster', async () => {
		const seen = (await memberships.list(actor(cast.learnerG1a), cast.G.id)).map(
			(m) => m.displayName
		);
		expect(seen).toContain('learnerG1a');
		for (const hidden of ['learnerG', 'leaderG', 'learnerG1', 'leaderG1']) {
			expect(seen).not.toContain(hidden);
		}
		const direct = await memberships.list(actor(cast.learnerG), cast.G.id);
		expect(direct.map((m) => m.displayName)).toEqual(
			expect.arrayContaining(['leaderG', 'learnerG'])
		);
	});

	it('shows members of an "own" group only their own membership', async () => {
		const admin = actor(cast.orgAdmin);
		const own = await groups.create(admin, {
			organisationId: cast.org.id,
			name: 'Private tutoring',
			visibility: 'own'
		});
		await memberships.add(admin, own.id, { userIds: [cast.learnerG.id, cast.learnerH.id] });
		const seen = await memberships.list(actor(cast.learnerG), own.id);
		expect(seen.map((m) => m.displayName)).toEqual(['learnerG']);
		expect(await memberships.list(admin, own.id)).toHaveLength(2);
	});

	it('shows nothing to the admin of another organisation or to anonymous visitors', async () => {
		const asOther = await groups.tree(actor(cast.otherOrgAdmin), { organisationId: cast.org.id });
		expect(asOther).toHaveLength(0);
		const anon = await withUser(
			null,
			(tx) => tx`select count(*)::int as n from public.groups`
		).catch((e) => e);
		expect(anon instanceof Error ? anon.message : String(anon[0].n)).toMatch(
			/permission denied|^0$/
		);
		await expect(groups.get(actor(cast.outsider), cast.G.id)).rejects.toThrow(/Not found/);
		await expect(memberships.list(actor(cast.otherOrgAdmin), cast.G.id)).rejects.toThrow(
			/Not found/
		);
	});
});

describe('open groups and size limits', () => {
	it('gives exactly the limit under 50 simultaneous joins, and a clear answer to the rest', async () => {
		const admin = actor(cast.orgAdmin);
		const open = await groups.create(admin, {
			organisationId: cast.org.id,
			name: 'Limited lab',
			membershipMode: 'open',
			sizeLimit: 10,
			visibility: 'scope'
		});
		const joiners = await Promise.all(Array.from({ length: 50 }, () => createUser()));
		await Promise.all(joiners.map((person) => addOrganisationMember(cast.org.id, person.id)));
		const results = await Promise.allSettled(
			joiners.map((person) => memberships.join(actor(person), open.id))
		);
		const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
		expect(refused).toHaveLength(40);
		expect(new Set(refused.map((r) => r.reason.message))).toEqual(new Set(['The group is full.']));
		const [{ count }] =
			await ownerDb()`select count(*)::int from public.group_members where group_id = ${open.id}`;
		expect(count).toBe(10);
	});

	it('lets people leave an open group but not join a manual one', async () => {
		const admin = actor(cast.orgAdmin);
		const open = await groups.create(admin, {
			organisationId: cast.org.id,
			name: 'Drop-in',
			membershipMode: 'open',
			visibility: 'scope'
		});
		await memberships.join(actor(cast.learnerG), open.id);
		await memberships.leave(actor(cast.learnerG), open.id);
		const manual = await groups.create(admin, {
			organisationId: cast.org.id,
			name: 'Invite only',
			visibility: 'scope'
		});
		await expect(memberships.join(actor(cast.learnerG), manual.id)).rejects.toThrow(
			/not open for joining/
		);
		await expect(memberships.join(actor(cast.learnerG), cast.H.id)).rejects.toThrow(/Not found/);
	});
});

describe('deleting', () => {
	it('shows what goes with a group and refuses when it changed since', async () => {
		const admin = actor(cast.orgAdmin);
		const top = await groups.create(admin, { organisationId: cast.org.id, name: 'To delete' });
		const child = await groups.create(admin, { parentId: top.id, name: 'Child to delete' });
		const person = await createUser();
		await addOrganisationMember(cast.org.id, person.id);
		await memberships.add(admin, child.id, { userIds: [person.id] });
		const preview = await groups.deletePreview(admin, top.id);
		expect(preview.subgroups.map((g) => g.name)).toEqual(['Child to delete']);
		expect(preview.memberships).toBe(1);
		await memberships.add(admin, top.id, { userIds: [cast.learnerH.id] });
		await expect(groups.remove(admin, top.id, { subgroups: 1, memberships: 1 })).rejects.toThrow(
			/changed since you looked/
		);
		await expect(groups.remove(admin, top.id, { subgroups: 1, memberships: 2 })).resolves.toEqual({
			deletedGroups: 2,
			deletedMemberships: 2
		});
		const [{ n }] =
			await ownerDb()`select count(*)::int as n from public.groups where id in (${top.id}, ${child.id})`;
		expect(n).toBe(0);
	});

	it('does not let a leader delete or move the group they lead', async () => {
		await expect(groups.deletePreview(actor(cast.leaderG), cast.G1.id)).rejects.toThrow(
			/Not found/
		);
		await expect(groups.move(actor(cast.leaderG), cast.G1.id, { parentId: null })).rejects.toThrow(
			/Not found/
		);
	});
});

describe('audit', () => {
	it('records who added whom, how', async () => {
		const rows = await ownerDb()<{ actor_id: string; action: string; via: string }[]>`
			select actor_id, action, via from public.audit_events
			where group_id = ${cast.G1.id} and subject_user_id = ${cast.learnerG1.id}`;
		expect(rows).toEqual([
			{ actor_id: cast.orgAdmin.id, action: 'group_members.insert', via: 'app' }
		]);
	});
});
