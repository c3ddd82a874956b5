import { beforeAll, describe, expect, it } from 'vitest';
import * as groups from '$lib/server/groups';
import * as templates from '$lib/server/groups/templates';
import * as transfer from '$lib/server/groups/transfer';
import * as memberships from '$lib/server/memberships';
import * as invites from '$lib/server/memberships/invites';
import * as requests from '$lib/server/memberships/requests';
import { withUser } from '$lib/server/db';
import { parseCsv } from '$lib/server/csv';
import {
	actor,
	addOrganisationMember,
	createOrganisation,
	createUser,
	ownerDb,
	type TestUser
} from './helpers';

let org: { id: string };
let admin: TestUser;
let leader: TestUser;

beforeAll(async () => {
	org = await createOrganisation();
	admin = await createUser({ name: 'Flow Admin' });
	leader = await createUser({ name: 'Flow Leader' });
	await addOrganisationMember(org.id, admin.id, 'admin');
	await addOrganisationMember(org.id, leader.id);
});

async function membersOf(groupId: string) {
	const rows = await ownerDb()<{ user_id: string; source: string }[]>`
		select user_id, source from public.group_members where group_id = ${groupId} and role = 'member'`;
	return rows;
}

describe('joining by request', () => {
	it('lets a learner ask, a leader approve, and the learner become a member', async () => {
		const group = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'Request club',
			membershipMode: 'request',
			visibility: 'scope'
		});
		await memberships.add(actor(admin), group.id, { userIds: [leader.id], role: 'leader' });
		const learner = await createUser({ name: 'Asking Learner' });
		await addOrganisationMember(org.id, learner.id);
		await requests.ask(actor(learner), group.id, { message: 'I run on Tuesdays 🏃' });
		await expect(requests.ask(actor(learner), group.id)).rejects.toThrow(/already asked/);
		const pending = await requests.listPending(actor(leader), group.id);
		expect(pending.map((r) => [r.displayName, r.message])).toEqual([
			['Asking Learner', 'I run on Tuesdays 🏃']
		]);
		await requests.decide(actor(leader), group.id, { requestIds: [pending[0].id], approve: true });
		expect(await membersOf(group.id)).toEqual([{ user_id: learner.id, source: 'self' }]);
		await expect(requests.ask(actor(learner), group.id)).rejects.toThrow(/already in this group/);
	});

	it('shows a learner their own pending request and lets them withdraw it', async () => {
		const group = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'Withdrawable',
			membershipMode: 'request',
			visibility: 'scope'
		});
		const learner = await createUser();
		await addOrganisationMember(org.id, learner.id);
		expect(await requests.mine(actor(learner), group.id)).toBeNull();
		const { id } = await requests.ask(actor(learner), group.id, { message: 'Please' });
		expect(await requests.mine(actor(learner), group.id)).toMatchObject({ id, message: 'Please' });
		await requests.withdraw(actor(learner), id);
		expect(await requests.mine(actor(learner), group.id)).toBeNull();
		expect(await requests.listPending(actor(admin), group.id)).toEqual([]);
		await expect(requests.withdraw(actor(learner), id)).rejects.toThrow(/Not found/);
	});

	it('records a declined request and adds nobody', async () => {
		const group = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'Picky club',
			membershipMode: 'request',
			visibility: 'scope'
		});
		const learner = await createUser();
		await addOrganisationMember(org.id, learner.id);
		const { id } = await requests.ask(actor(learner), group.id);
		await requests.decide(actor(admin), group.id, { requestIds: [id], approve: false });
		expect(await membersOf(group.id)).toEqual([]);
		const [{ status }] =
			await ownerDb()`select status from public.group_join_requests where id = ${id}`;
		expect(status).toBe('declined');
	});

	it('refuses requests to groups that do not take them, and a learner deciding', async () => {
		const manual = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'Manual club',
			visibility: 'scope'
		});
		const learner = await createUser();
		await addOrganisationMember(org.id, learner.id);
		await expect(requests.ask(actor(learner), manual.id)).rejects.toThrow(/does not take requests/);
		const open = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'Req',
			membershipMode: 'request',
			visibility: 'scope'
		});
		const { id } = await requests.ask(actor(learner), open.id);
		await expect(
			requests.decide(actor(learner), open.id, { requestIds: [id], approve: true })
		).rejects.toThrow(/Not found/);
		expect(await membersOf(open.id)).toEqual([]);
	});
});

describe('joining by invitation', () => {
	it('admits anyone with a many-use link until it is used up', async () => {
		const group = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'Invited club',
			membershipMode: 'invite',
			visibility: 'hidden'
		});
		const invite = await invites.create(actor(admin), group.id, { maxUses: 2 });
		const [a, b, c] = [await createUser(), await createUser(), await createUser()];
		expect((await invites.peek(invite.token)).groupName).toBe('Invited club');
		await invites.redeem({ id: a.id, email: a.email }, invite.token);
		await invites.redeem({ id: b.id, email: b.email }, invite.token);
		await expect(invites.redeem({ id: c.id, email: c.email }, invite.token)).rejects.toThrow(
			/not valid/
		);
		expect((await membersOf(group.id)).map((m) => m.source)).toEqual(['invite', 'invite']);
	});

	it('lets only the named person use an email invitation, once, even when tried at the same time', async () => {
		const group = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'Personal invite'
		});
		const invited = await createUser();
		const other = await createUser();
		const invite = await invites.create(actor(admin), group.id, { email: invited.email });
		await expect(
			invites.redeem({ id: other.id, email: other.email }, invite.token)
		).rejects.toThrow(/not valid/);
		const results = await Promise.allSettled([
			invites.redeem({ id: invited.id, email: invited.email }, invite.token),
			invites.redeem({ id: invited.id, email: invited.email }, invite.token)
		]);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		const [{ uses }] =
			await ownerDb()`select uses from public.group_invites where id = ${invite.id}`;
		expect(uses).toBe(1);
	});

	it('refuses an expired or revoked invitation and a made-up token', async () => {
		const group = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'Expiring invite'
		});
		const person = await createUser();
		const revoked = await invites.create(actor(admin), group.id, {});
		await invites.revoke(actor(admin), revoked.id);
		await expect(
			invites.redeem({ id: person.id, email: person.email }, revoked.token)
		).rejects.toThrow(/not valid/);
		const expired = await invites.create(actor(admin), group.id, {});
		await ownerDb()`update public.group_invites set expires_at = now() - interval '1 minute' where id = ${expired.id}`;
		await expect(
			invites.redeem({ id: person.id, email: person.email }, expired.token)
		).rejects.toThrow(/not valid/);
		await expect(invites.peek('made-up-token')).rejects.toThrow(/not valid/);
		expect(await membersOf(group.id)).toEqual([]);
	});

	it('does not let a learner create invitations', async () => {
		const group = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'No learner invites',
			visibility: 'scope'
		});
		const learner = await createUser();
		await addOrganisationMember(org.id, learner.id);
		await expect(invites.create(actor(learner), group.id, {})).rejects.toThrow(/Not found/);
	});
});

describe('synced groups', () => {
	it('are locked to admins in the app and change only through the API', async () => {
		const group = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'HR feed',
			membershipMode: 'sync'
		});
		const person = await createUser();
		await addOrganisationMember(org.id, person.id);
		await expect(memberships.add(actor(admin), group.id, { userIds: [person.id] })).rejects.toThrow(
			/Not found/
		);
		await expect(
			memberships.add(actor(admin), group.id, { userIds: [person.id] }, 'api')
		).resolves.toMatchObject({ added: 1 });
	});
});

describe('starter template', () => {
	it('creates Staff and Learners with their sub-groups, once', async () => {
		const fresh = await createOrganisation();
		const owner = await createUser();
		await addOrganisationMember(fresh.id, owner.id, 'admin');
		const result = await templates.applyStarter(actor(owner), fresh.id, {
			intakes: ['September 2026', 'January 2027']
		});
		expect(result.created).toBe(8);
		const tree = await groups.tree(actor(owner), { organisationId: fresh.id });
		expect(tree.map((node) => `${'  '.repeat(node.depth)}${node.name}`)).toEqual([
			'Learners',
			'  January 2027',
			'  September 2026',
			'Staff',
			'  Instructors',
			'  Mentors',
			'  Moderators',
			'  Teaching assistants'
		]);
		await expect(templates.applyStarter(actor(owner), fresh.id, {})).rejects.toThrow(/already has/);
	});
});

describe('CSV import and export', () => {
	it('previews, then imports a hierarchy whose rows name parents in any order', async () => {
		const fresh = await createOrganisation();
		const owner = await createUser();
		await addOrganisationMember(fresh.id, owner.id, 'admin');
		const csv =
			'name,idnumber,description,parent_idnumber,kind\n' +
			'Evening,EVE,,ROOT,cohort\nRoot cohort,ROOT,Everyone,,cohort\n"Evening, group B",EVE-B,,EVE,\n';
		const preview = await transfer.importGroups(actor(owner), fresh.id, csv, { apply: false });
		expect(preview.counts).toMatchObject({ create: 3, error: 0 });
		const [{ n }] =
			await ownerDb()`select count(*)::int as n from public.groups where organisation_id = ${fresh.id}`;
		expect(n).toBe(0);
		const report = await transfer.importGroups(actor(owner), fresh.id, csv, { apply: true });
		expect(report.applied).toBe(true);
		const tree = await groups.tree(actor(owner), { organisationId: fresh.id });
		expect(tree.map((node) => `${node.depth}:${node.name}`)).toEqual([
			'0:Root cohort',
			'1:Evening',
			'2:Evening, group B'
		]);
	});

	it('blocks the whole file on an idnumber clash and writes nothing', async () => {
		const fresh = await createOrganisation();
		const owner = await createUser();
		await addOrganisationMember(fresh.id, owner.id, 'admin');
		await groups.create(actor(owner), {
			organisationId: fresh.id,
			name: 'Existing',
			idnumber: 'TAKEN'
		});
		const csv =
			'name,idnumber,parent_idnumber\nFine,OK1,\nClash,TAKEN,\nTwice,OK1,\nOrphan,,NOPE\n';
		const report = await transfer.importGroups(actor(owner), fresh.id, csv, { apply: true });
		expect(report.blocked).toBe(true);
		expect(report.applied).toBe(false);
		expect(report.rows.map((row) => row.status)).toEqual(['create', 'error', 'error', 'error']);
		expect(report.rows[1].message).toMatch(/already used/);
		expect(report.rows[2].message).toMatch(/also on line 2/);
		expect(report.rows[3].message).toMatch(/No group has the parent idnumber/);
		const [{ n }] =
			await ownerDb()`select count(*)::int as n from public.groups where organisation_id = ${fresh.id}`;
		expect(n).toBe(1);
	});

	it('imports memberships with a status per row and exports what it imported', async () => {
		const fresh = await createOrganisation();
		const owner = await createUser();
		await addOrganisationMember(fresh.id, owner.id, 'admin');
		const group = await groups.create(actor(owner), {
			organisationId: fresh.id,
			name: 'Importers',
			idnumber: 'IMP'
		});
		const [p1, p2] = [await createUser({ name: 'Zoë Ünal' }), await createUser()];
		await addOrganisationMember(fresh.id, p1.id);
		await addOrganisationMember(fresh.id, p2.id);
		const csv = `group_idnumber,email,role\nIMP,${p1.email},member\nIMP,${p2.email},leader\nIMP,nobody@nowhere.test,\nNOPE,${p1.email},\nIMP,${p1.email},member\n`;
		const report = await transfer.importMemberships(actor(owner), fresh.id, csv, { apply: true });
		expect(report.rows.map((row) => row.status)).toEqual(['add', 'add', 'error', 'error', 'error']);
		const exported = parseCsv(await transfer.exportMemberships(actor(owner), fresh.id)).map(
			(row) => row.cells
		);
		expect(exported[0]).toEqual([
			'group_idnumber',
			'group_name',
			'email',
			'display_name',
			'role',
			'source',
			'valid_until'
		]);
		expect(
			exported
				.slice(1)
				.map((row) => [row[0], row[3], row[4]])
				.sort()
		).toEqual(
			[
				['IMP', p2.displayName, 'leader'],
				['IMP', 'Zoë Ünal', 'member']
			].sort()
		);
		const groupsCsv = parseCsv(await transfer.exportGroups(actor(owner), fresh.id)).map(
			(row) => row.cells
		);
		expect(groupsCsv[1].slice(0, 2)).toEqual(['Importers', 'IMP']);
		expect(groupsCsv[1][7]).toBe('2');
		void group;
	});

	it('refuses an import from someone who does not manage the organisation', async () => {
		const learner = await createUser();
		await addOrganisationMember(org.id, learner.id);
		await expect(
			transfer.importGroups(actor(learner), org.id, 'name\nX\n', { apply: true })
		).rejects.toThrow(/Not found/);
		const seen = await withUser(
			actor(learner),
			(tx) => tx`select count(*)::int as n from public.groups where name = 'X'`
		);
		expect(seen[0].n).toBe(0);
	});
});

describe('synced groups and sub-groups', () => {
	it('refuses a manual sub-group under a synced group, so nobody joins it another way', async () => {
		const synced = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'SIS feed',
			membershipMode: 'sync'
		});
		await expect(
			groups.create(actor(admin), {
				parentId: synced.id,
				name: 'Side door',
				membershipMode: 'open'
			})
		).rejects.toThrow(/sub-group of a synced group must be synced/);
		const child = await groups.create(actor(admin), {
			parentId: synced.id,
			name: 'SIS section',
			membershipMode: 'sync'
		});
		expect(child.parentId).toBe(synced.id);
		const manual = await groups.create(actor(admin), {
			organisationId: org.id,
			name: 'Manual elsewhere'
		});
		await expect(groups.move(actor(admin), manual.id, { parentId: synced.id })).rejects.toThrow(
			/must be synced/
		);
	});
});
