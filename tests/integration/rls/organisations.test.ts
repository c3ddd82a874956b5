import { beforeAll, describe, expect, it } from 'vitest';
import { withUser } from '$lib/server/db';
import {
	addOrganisationMember,
	createUser,
	foundationCast,
	ownerDb,
	type TestUser
} from '../helpers';
import {
	actorOf,
	attempt,
	changeMatrix,
	EVERYONE,
	LABEL,
	namesOf,
	snapshot,
	visibilityMatrix,
	type Cast
} from './matrix';

let cast: Cast;
let member: TestUser;
const getCast = () => cast;

beforeAll(async () => {
	cast = await foundationCast();
	member = await createUser({ name: 'Plain Member' });
	await addOrganisationMember(cast.org.id, member.id, 'member');
});

describe('organisations', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'organisations',
		expected: {
			anon: [],
			learner: ['org'],
			otherLearner: ['org'],
			suspended: [],
			instructor: ['org'],
			assistant: ['org'],
			otherOrgAdmin: ['otherOrg'],
			orgAdmin: ['org'],
			platformAdmin: ['org', 'otherOrg']
		},
		visible: async (tx, cast) =>
			namesOf(
				cast,
				(
					await tx`select id from public.organisations where id in (${cast.org.id}, ${cast.otherOrg.id})`
				).map((r) => r.id)
			)
	});

	changeMatrix({
		cast: getCast,
		table: 'organisations',
		kind: 'insert',
		action: 'create an organisation',
		allowed: ['platformAdmin'],
		statement: () => (tx) =>
			tx`insert into public.organisations (name, slug) values ('New', 'brand-new')`
	});
	changeMatrix({
		cast: getCast,
		table: 'organisations',
		kind: 'update',
		action: 'rename the organisation',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.organisations set name = 'Renamed' where id = ${cast.org.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'organisations',
		kind: 'delete',
		action: 'delete the organisation',
		allowed: ['platformAdmin'],
		statement: (cast) => (tx) => tx`delete from public.organisations where id = ${cast.org.id}`
	});
});

describe('organisation_members', () => {
	const memberships = async (tx: Parameters<Parameters<typeof withUser>[1]>[0], cast: Cast) => {
		const rows = await tx`
			select organisation_id, user_id from public.organisation_members
			where organisation_id in (${cast.org.id}, ${cast.otherOrg.id})`;
		return rows.map((row) =>
			row.user_id === member.id
				? 'org/member'
				: `${namesOf(cast, [row.organisation_id])[0]}/${namesOf(cast, [row.user_id])[0]}`
		);
	};
	visibilityMatrix({
		cast: getCast,
		what: 'organisation memberships',
		expected: {
			anon: [],
			learner: [],
			otherLearner: [],
			suspended: [],
			instructor: [],
			assistant: [],
			otherOrgAdmin: ['otherOrg/otherOrgAdmin'],
			orgAdmin: ['org/orgAdmin', 'org/member'],
			platformAdmin: ['org/orgAdmin', 'org/member', 'otherOrg/otherOrgAdmin']
		},
		visible: memberships
	});

	it('shows a plain member their own membership and no one else', async () => {
		const seen = await withUser({ id: member.id }, (tx) => memberships(tx, cast));
		expect(seen).toEqual(['org/member']);
	});

	changeMatrix({
		cast: getCast,
		table: 'organisation_members',
		kind: 'insert',
		action: 'add the stranger as a member',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => tx`
			insert into public.organisation_members (organisation_id, user_id, role) values (${cast.org.id}, ${cast.stranger.id}, 'member')`
	});
	changeMatrix({
		cast: getCast,
		table: 'organisation_members',
		kind: 'insert',
		action: 'make the stranger an organisation admin',
		allowed: ['platformAdmin'],
		statement: (cast) => (tx) => tx`
			insert into public.organisation_members (organisation_id, user_id, role) values (${cast.org.id}, ${cast.stranger.id}, 'admin')`
	});
	changeMatrix({
		cast: getCast,
		table: 'organisation_members',
		kind: 'update',
		action: 'promote a member to organisation admin',
		allowed: ['platformAdmin'],
		statement: (cast) => (tx) => tx`
			update public.organisation_members set role = 'admin' where organisation_id = ${cast.org.id} and user_id = ${member.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'organisation_members',
		kind: 'delete',
		action: 'remove a plain member',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: (cast) => (tx) => tx`
			delete from public.organisation_members where organisation_id = ${cast.org.id} and user_id = ${member.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'organisation_members',
		kind: 'delete',
		action: 'remove the organisation admin',
		allowed: ['platformAdmin'],
		statement: (cast) => (tx) => tx`
			delete from public.organisation_members where organisation_id = ${cast.org.id} and user_id = ${cast.orgAdmin.id}`
	});

	it('stops an organisation admin making someone an admin through an upsert', async () => {
		const before = await snapshot('organisation_members');
		const outcome = await attempt(
			actorOf(cast, 'orgAdmin'),
			(tx) => tx`
				insert into public.organisation_members (organisation_id, user_id, role) values (${cast.org.id}, ${member.id}, 'admin')
				on conflict (organisation_id, user_id) do update set role = excluded.role`,
			{ rollback: false }
		);
		expect(outcome).toEqual({ code: '42501' });
		expect(await snapshot('organisation_members')).toBe(before);
	});

	it('stops an organisation admin moving a member into another organisation', async () => {
		const before = await snapshot('organisation_members');
		const outcome = await attempt(
			actorOf(cast, 'orgAdmin'),
			(tx) =>
				tx`update public.organisation_members set organisation_id = ${cast.otherOrg.id} where user_id = ${member.id}`,
			{ rollback: false }
		);
		expect(outcome).toEqual({ code: '42501' });
		expect(await snapshot('organisation_members')).toBe(before);
	});

	for (const who of EVERYONE.filter((who) => who !== 'anon')) {
		it(`stops ${LABEL[who]} joining an organisation on their own`, async () => {
			const before = await snapshot('organisation_members');
			const elsewhere = who === 'otherOrgAdmin' ? cast.org.id : cast.otherOrg.id;
			const outcome = await attempt(
				actorOf(cast, who),
				(tx) => tx`
					insert into public.organisation_members (organisation_id, user_id, role)
					values (${elsewhere}, ${cast[who as 'learner'].id}, 'member')`,
				{ rollback: who === 'platformAdmin' }
			);
			expect(outcome).toEqual(who === 'platformAdmin' ? { count: 1 } : { code: '42501' });
			expect(await snapshot('organisation_members')).toBe(before);
		});
	}

	it('keeps the organisation admin out of the memberships of organisations they do not run', async () => {
		const rows = await withUser(
			actorOf(cast, 'orgAdmin'),
			(tx) => tx`
			select 1 from public.organisation_members where organisation_id = ${cast.otherOrg.id}`
		);
		expect(rows).toHaveLength(0);
		const [{ count }] =
			await ownerDb()`select count(*)::int from public.organisation_members where organisation_id = ${cast.otherOrg.id}`;
		expect(count).toBe(1);
	});
});
