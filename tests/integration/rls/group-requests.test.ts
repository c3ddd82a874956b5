import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Tx } from '$lib/server/db';
import {
	actorOf,
	changeMatrix,
	EVERYONE,
	groupRlsCast,
	idOf,
	LABEL,
	visibilityMatrix,
	type GroupCast,
	type Who
} from './group-matrix';

let cast: GroupCast;
const getCast = () => cast;

beforeAll(async () => {
	cast = await groupRlsCast();
});

// The update grants on both tables are for signed-in people only: a visitor is refused outright.
const anonRefused = { anon: { code: '42501' } };

const nobody = Object.fromEntries(EVERYONE.map((who) => [who, []])) as unknown as Record<
	Who,
	string[]
>;

describe('group_join_requests', () => {
	// R (a sub-group of G that takes requests) has pending requests from the learners of G and H.
	// G.1's leader leads a sibling of R, H's leader an unrelated group: neither sees them.
	const both = ['R:learnerG', 'R:learnerH'];
	visibilityMatrix({
		cast: getCast,
		what: 'join requests',
		expected: {
			...nobody,
			learnerG: ['R:learnerG'],
			learnerH: ['R:learnerH'],
			leaderG: both,
			orgAdmin: both,
			platformAdmin: both
		},
		visible: async (tx, cast) =>
			(await tx`select group_id, user_id from public.group_join_requests`).map(
				(r) => `${cast.name(r.group_id)}:${cast.name(r.user_id)}`
			)
	});

	const ask = (group: 'R' | 'G' | 'Hn') => (cast: GroupCast, who: Who) => (tx: Tx) =>
		tx`insert into public.group_join_requests (group_id, user_id) values (${cast.groups[group]}, ${idOf(cast, who)})`;
	changeMatrix({
		cast: getCast,
		table: 'group_join_requests',
		kind: 'insert',
		action: 'ask to join the group that takes requests',
		// The platform admin is no member of the organisation, so R (visible to its scope) is
		// not visible to them: they would add themselves, not ask.
		allowed: ['learnerG1', 'leaderG', 'leaderG1', 'leaderH', 'outsider', 'instructor', 'orgAdmin'],
		// One pending request per person and group.
		denied: { learnerG: { code: '23505' }, learnerH: { code: '23505' } },
		statement: ask('R')
	});
	changeMatrix({
		cast: getCast,
		table: 'group_join_requests',
		kind: 'insert',
		action: 'ask to join a group that does not take requests',
		allowed: [],
		statement: ask('G')
	});
	changeMatrix({
		cast: getCast,
		table: 'group_join_requests',
		kind: 'insert',
		action: 'ask on someone else’s behalf',
		allowed: [],
		statement: (cast) => (tx) =>
			tx`insert into public.group_join_requests (group_id, user_id) values (${cast.groups.R}, ${cast.people.learnerG1a.id})`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_join_requests',
		kind: 'insert',
		action: 'file a request that is already approved',
		allowed: [],
		statement: (cast, who) => (tx) =>
			tx`insert into public.group_join_requests (group_id, user_id, status, decided_by)
				values (${cast.groups.R}, ${idOf(cast, who)}, 'approved', ${idOf(cast, who)})`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_join_requests',
		kind: 'update',
		action: 'approve the learner of H’s request',
		allowed: ['leaderG', 'orgAdmin', 'platformAdmin'],
		// The requester may touch their pending request, but only to withdraw it.
		denied: { ...anonRefused, learnerH: { code: '42501' } },
		statement: (cast, who) => (tx) =>
			tx`update public.group_join_requests set status = 'approved', decided_by = ${idOf(cast, who)}, decided_at = now()
				where id = ${cast.requests.learnerH}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_join_requests',
		kind: 'update',
		action: 'withdraw the learner of H’s request',
		allowed: ['learnerH', 'leaderG', 'orgAdmin', 'platformAdmin'],
		denied: anonRefused,
		statement: (cast) => (tx) =>
			tx`update public.group_join_requests set status = 'withdrawn' where id = ${cast.requests.learnerH}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_join_requests',
		kind: 'update',
		action: 'turn a request into one for another group or person',
		allowed: [],
		// Only status and the decision columns may change, for anyone.
		denied: Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }])),
		statement: (cast) => (tx) =>
			tx`update public.group_join_requests set group_id = ${cast.groups.G1}, user_id = ${cast.people.outsider.id}
				where id = ${cast.requests.learnerH}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_join_requests',
		kind: 'delete',
		action: 'delete a request (they are history)',
		allowed: [],
		statement: (cast) => (tx) =>
			tx`delete from public.group_join_requests where id = ${cast.requests.learnerH}`
	});
});

describe('group_invites', () => {
	const managers = ['leaderG', 'leaderG1', 'orgAdmin', 'platformAdmin'] as const;
	visibilityMatrix({
		cast: getCast,
		what: 'invitations, token hash included',
		expected: { ...nobody, ...Object.fromEntries(managers.map((who) => [who, ['G1 aaaaaaaa']])) },
		visible: async (tx, cast) =>
			(await tx`select group_id, token_hash from public.group_invites`).map(
				(r) => `${cast.name(r.group_id)} ${String(r.token_hash).slice(0, 8)}`
			)
	});

	it('gives the invitation’s token hash to no learner, even one asking for it by id', async () => {
		for (const who of ['learnerG', 'learnerG1', 'learnerH', 'leaderH', 'outsider'] as const) {
			const rows = await withUser(
				actorOf(cast, who),
				(tx) => tx`select token_hash from public.group_invites where id = ${cast.invite}`
			);
			expect(rows.length, who).toBe(0);
		}
	});

	const invite =
		(group: 'G1' | 'Hn', uses = 0) =>
		(cast: GroupCast) =>
		(tx: Tx) =>
			tx`insert into public.group_invites (group_id, token_hash, expires_at, uses)
			values (${cast.groups[group]}, ${randomBytes(32).toString('hex')}, now() + interval '1 day', ${uses})`;
	changeMatrix({
		cast: getCast,
		table: 'group_invites',
		kind: 'insert',
		action: 'invite people to G.1',
		allowed: managers,
		statement: invite('G1')
	});
	changeMatrix({
		cast: getCast,
		table: 'group_invites',
		kind: 'insert',
		action: 'invite people to a group whose leaders may not manage members',
		allowed: ['orgAdmin', 'platformAdmin'],
		statement: invite('Hn')
	});
	changeMatrix({
		cast: getCast,
		table: 'group_invites',
		kind: 'insert',
		action: 'create an invitation that is already used',
		allowed: [],
		statement: invite('G1', 1)
	});
	changeMatrix({
		cast: getCast,
		table: 'group_invites',
		kind: 'update',
		action: 'revoke the invitation to G.1',
		allowed: managers,
		denied: anonRefused,
		statement: (cast) => (tx) =>
			tx`update public.group_invites set revoked_at = now() where id = ${cast.invite}`
	});
	changeMatrix({
		cast: getCast,
		table: 'group_invites',
		kind: 'update',
		action: 'clear the invitation’s revocation',
		allowed: [],
		// Those who may revoke reach the row but may not write a null revocation.
		denied: {
			...anonRefused,
			...Object.fromEntries(managers.map((who) => [who, { code: '42501' }]))
		},
		statement: (cast) => (tx) =>
			tx`update public.group_invites set revoked_at = null where id = ${cast.invite}`
	});
	for (const [column, value] of [
		['uses', 0],
		['max_uses', 1000],
		['expires_at', '9999-01-01'],
		['token_hash', 'b'.repeat(64)],
		['group_id', null]
	] as const) {
		changeMatrix({
			cast: getCast,
			table: 'group_invites',
			kind: 'update',
			action: `change the invitation’s ${column}`,
			allowed: [],
			// Only revoked_at is granted: refused before any row is looked at.
			denied: Object.fromEntries(EVERYONE.map((who) => [who, { code: '42501' }])),
			statement: (cast) => (tx) =>
				column === 'group_id'
					? tx`update public.group_invites set group_id = ${cast.groups.H} where id = ${cast.invite}`
					: tx`update public.group_invites set ${tx({ [column]: value })} where id = ${cast.invite}`
		});
	}
	changeMatrix({
		cast: getCast,
		table: 'group_invites',
		kind: 'delete',
		action: 'delete the invitation (it is revoked instead)',
		allowed: [],
		statement: (cast) => (tx) => tx`delete from public.group_invites where id = ${cast.invite}`
	});
});

describe('who may decide', () => {
	for (const who of ['learnerG', 'learnerG1', 'leaderG1', 'leaderH'] as const) {
		it(`does not show ${LABEL[who]} who else asked to join R`, async () => {
			const rows = await withUser(
				actorOf(cast, who),
				(tx) =>
					tx`select user_id from public.group_join_requests where user_id <> ${idOf(cast, who)}`
			);
			expect(rows.map((r) => cast.name(r.user_id))).toEqual([]);
		});
	}
});
