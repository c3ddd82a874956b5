import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Tx } from '$lib/server/db';
import { foundationCast, ownerDb } from '../helpers';
import {
	actorOf,
	attempt,
	castIds,
	changeMatrix,
	EVERYONE,
	LABEL,
	namesOf,
	snapshot,
	visibilityMatrix,
	type Cast
} from './matrix';

let cast: Cast;
const getCast = () => cast;
const hex = () => randomBytes(32).toString('hex');
let learnerTokenId: string;
let fellowTokenId: string;

beforeAll(async () => {
	cast = await foundationCast();
	const db = ownerDb();
	await db`insert into public.sessions (id, user_id, expires_at) values (${hex()}, ${cast.learner.id}, now() + interval '1 day')`;
	await db`insert into public.sign_in_throttle (key, failures) values (${'email:' + cast.learner.email}, 2)`;
	await db`insert into public.known_devices (token_hash, user_id) values (${'c'.repeat(64)}, ${cast.learner.id})`;
	await db`
		insert into public.pending_sign_ups (token_hash, email, display_name, password_hash, expires_at)
		values (${hex()}, ${`pending-${hex().slice(0, 8)}@example.test`}, 'Pending Person', 'x', now() + interval '1 day')`;
	[{ id: learnerTokenId }] = await db`
		insert into public.api_tokens (user_id, name, token_hash) values (${cast.learner.id}, 'laptop', ${hex()}) returning id`;
	[{ id: fellowTokenId }] = await db`
		insert into public.api_tokens (user_id, name, token_hash) values (${cast.fellow.id}, 'script', ${hex()}) returning id`;
});

describe('users', () => {
	const participants = ['instructor', 'assistant', 'learner', 'fellow'];
	visibilityMatrix({
		cast: getCast,
		what: 'people',
		expected: {
			anon: [],
			learner: participants,
			otherLearner: ['otherLearner'],
			suspended: ['suspended'],
			instructor: [...participants, 'suspended'],
			assistant: [...participants, 'suspended'],
			otherOrgAdmin: ['otherOrgAdmin', 'foreignLearner'],
			orgAdmin: ['orgAdmin', ...participants, 'suspended', 'otherLearner'],
			platformAdmin: [
				'platformAdmin',
				'orgAdmin',
				'otherOrgAdmin',
				...participants,
				'suspended',
				'otherLearner',
				'foreignLearner',
				'stranger'
			]
		},
		visible: async (tx, cast) =>
			namesOf(
				cast,
				(await tx`select id from public.users where id = any(${castIds(cast)}::uuid[])`).map(
					(r) => r.id
				)
			)
	});

	changeMatrix({
		cast: getCast,
		table: 'users',
		kind: 'insert',
		action: 'add a person directly',
		allowed: ['platformAdmin'],
		statement: () => (tx) =>
			tx`insert into public.users (email, display_name) values ('made-up@example.test', 'Made Up')`
	});
	changeMatrix({
		cast: getCast,
		table: 'users',
		kind: 'update',
		action: 'rename a fellow learner',
		allowed: ['platformAdmin'],
		statement: (cast) => (tx) =>
			tx`update public.users set display_name = 'Renamed' where id = ${cast.fellow.id}`
	});
	changeMatrix({
		cast: getCast,
		table: 'users',
		kind: 'delete',
		action: 'delete the stranger',
		allowed: ['platformAdmin'],
		statement: (cast) => (tx) => tx`delete from public.users where id = ${cast.stranger.id}`
	});

	for (const who of EVERYONE) {
		const allowed = who !== 'anon';
		it(`${allowed ? 'lets' : 'stops'} ${LABEL[who]} ${allowed ? 'renaming themselves' : 'renaming anyone'}`, async () => {
			const self = who === 'anon' ? cast.learner.id : cast[who].id;
			const outcome = await attempt(
				actorOf(cast, who),
				(tx) => tx`update public.users set display_name = 'New Name' where id = ${self}`,
				{ rollback: allowed }
			);
			expect(outcome).toEqual({ count: allowed ? 1 : 0 });
		});
	}

	const nonAdmins = EVERYONE.filter((who) => who !== 'anon' && who !== 'platformAdmin');
	for (const who of nonAdmins) {
		it(`stops ${LABEL[who]} making themselves a platform admin, re-enabling or re-addressing their account`, async () => {
			const id = cast[who].id;
			const before = await snapshot('users');
			const changes = [
				(tx: Tx) => tx`update public.users set platform_role = 'admin' where id = ${id}`,
				(tx: Tx) => tx`update public.users set disabled_at = now() where id = ${id}`,
				(tx: Tx) => tx`update public.users set email = 'taken-over@example.test' where id = ${id}`
			];
			for (const change of changes) {
				expect(await attempt(actorOf(cast, who), change, { rollback: false })).toEqual({
					code: '42501'
				});
			}
			expect(await snapshot('users')).toBe(before);
		});
	}

	it('stops a disabled account using its own row to lift the ban', async () => {
		await ownerDb()`update public.users set disabled_at = now() where id = ${cast.stranger.id}`;
		try {
			const stranger = { id: cast.stranger.id };
			const own = await attempt(
				stranger,
				(tx) => tx`update public.users set disabled_at = null where id = ${cast.stranger.id}`,
				{
					rollback: false
				}
			);
			expect(own).toEqual({ code: '42501' });
			const [row] =
				await ownerDb()`select disabled_at from public.users where id = ${cast.stranger.id}`;
			expect(row.disabled_at).not.toBeNull();
		} finally {
			await ownerDb()`update public.users set disabled_at = null where id = ${cast.stranger.id}`;
		}
	});

	it('lets a platform admin promote and disable people', async () => {
		const outcome = await attempt(
			actorOf(cast, 'platformAdmin'),
			(tx) =>
				tx`update public.users set platform_role = 'admin', disabled_at = now() where id = ${cast.stranger.id}`,
			{ rollback: true }
		);
		expect(outcome).toEqual({ count: 1 });
	});

	it('stops a disabled platform admin acting as one', async () => {
		const admin =
			await ownerDb()`insert into public.users (email, display_name, platform_role, disabled_at)
			values ('gone-admin@example.test', 'Gone Admin', 'admin', now()) returning id`;
		const outcome = await attempt(
			{ id: admin[0].id },
			(tx) => tx`update public.users set display_name = 'Hijacked' where id = ${cast.learner.id}`,
			{ rollback: false }
		);
		expect(outcome).toEqual({ count: 0 });
		const seen = await withUser(
			{ id: admin[0].id },
			(tx) => tx`select id from public.users where id = any(${castIds(cast)}::uuid[])`
		);
		expect(seen).toHaveLength(0);
	});
});

describe('secrets only the system reads', () => {
	const statements = {
		user_passwords: {
			select: 'select * from public.user_passwords',
			insert: `insert into public.user_passwords (user_id, hash) values (gen_random_uuid(), 'x')`,
			update: `update public.user_passwords set hash = 'x'`,
			delete: 'delete from public.user_passwords'
		},
		sessions: {
			select: 'select * from public.sessions',
			insert: `insert into public.sessions (id, user_id, expires_at) values (repeat('a', 64), gen_random_uuid(), now())`,
			update: `update public.sessions set expires_at = now() + interval '10 years'`,
			delete: 'delete from public.sessions'
		},
		sign_in_throttle: {
			select: 'select * from public.sign_in_throttle',
			insert: `insert into public.sign_in_throttle (key) values ('ip:1.2.3.4')`,
			update: 'update public.sign_in_throttle set locked_until = null, failures = 0',
			delete: 'delete from public.sign_in_throttle'
		},
		known_devices: {
			select: 'select * from public.known_devices',
			insert: `insert into public.known_devices (token_hash, user_id) values (repeat('b', 64), gen_random_uuid())`,
			update: `update public.known_devices set last_used_at = now()`,
			delete: 'delete from public.known_devices'
		},
		// A sign-up waiting for its link: who asked, and the hash of their chosen password.
		pending_sign_ups: {
			select: 'select * from public.pending_sign_ups',
			insert: `insert into public.pending_sign_ups (token_hash, email, display_name, password_hash, expires_at) values (repeat('b', 64), 'forged@example.test', 'Forged', 'x', now() + interval '1 day')`,
			update: `update public.pending_sign_ups set expires_at = now() + interval '10 years'`,
			delete: 'delete from public.pending_sign_ups'
		}
	} as const;
	for (const [table, operations] of Object.entries(statements)) {
		for (const who of EVERYONE) {
			it(`refuses ${LABEL[who]} any access to ${table} (permission denied)`, async () => {
				const before = await snapshot(table);
				for (const sql of Object.values(operations)) {
					const outcome = await attempt(actorOf(cast, who), (tx) => tx.unsafe(sql), {
						rollback: false
					});
					expect(outcome, sql).toEqual({ code: '42501' });
				}
				expect(await snapshot(table)).toBe(before);
				expect(before).not.toBe('[]');
			});
		}
	}
});

describe('api_tokens', () => {
	visibilityMatrix({
		cast: getCast,
		what: 'access tokens',
		expected: {
			anon: [],
			learner: ['learner'],
			otherLearner: [],
			suspended: [],
			instructor: [],
			assistant: [],
			otherOrgAdmin: [],
			orgAdmin: [],
			platformAdmin: []
		},
		visible: async (tx, cast) =>
			namesOf(
				cast,
				(await tx`select user_id from public.api_tokens`).map((r) => r.user_id)
			)
	});

	it('shows the other holder only their own token', async () => {
		const rows = await withUser(
			{ id: cast.fellow.id },
			(tx) => tx`select id from public.api_tokens`
		);
		expect(rows.map((r) => r.id)).toEqual([fellowTokenId]);
	});

	for (const who of EVERYONE.filter((who) => who !== 'anon')) {
		it(`lets ${LABEL[who]} create a token for themselves only`, async () => {
			const own = await attempt(
				actorOf(cast, who),
				(tx) =>
					tx`insert into public.api_tokens (user_id, name, token_hash) values (${cast[who as 'learner'].id}, 'mine', ${hex()})`,
				{ rollback: true }
			);
			expect(own).toEqual({ count: 1 });
		});
	}
	changeMatrix({
		cast: getCast,
		table: 'api_tokens',
		kind: 'insert',
		action: "create a token in the learner's name",
		allowed: ['learner'],
		statement: (cast) => (tx) =>
			tx`insert into public.api_tokens (user_id, name, token_hash) values (${cast.learner.id}, 'planted', ${hex()})`
	});
	changeMatrix({
		cast: getCast,
		table: 'api_tokens',
		kind: 'update',
		action: "revoke the learner's token",
		allowed: ['learner'],
		statement: () => (tx) =>
			tx`update public.api_tokens set revoked_at = now() where id = ${learnerTokenId}`
	});
	changeMatrix({
		cast: getCast,
		table: 'api_tokens',
		kind: 'delete',
		action: "delete the learner's token",
		allowed: ['learner'],
		statement: () => (tx) => tx`delete from public.api_tokens where id = ${learnerTokenId}`
	});

	it('stops a person handing their token to someone else', async () => {
		const before = await snapshot('api_tokens');
		const outcome = await attempt(
			actorOf(cast, 'learner'),
			(tx) =>
				tx`update public.api_tokens set user_id = ${cast.platformAdmin.id} where id = ${learnerTokenId}`,
			{ rollback: false }
		);
		expect(outcome).toEqual({ code: '42501' });
		expect(await snapshot('api_tokens')).toBe(before);
	});

	it('stops a person bringing a revoked token back to life', async () => {
		await ownerDb()`update public.api_tokens set revoked_at = now() where id = ${learnerTokenId}`;
		try {
			const before = await snapshot('api_tokens');
			const outcome = await attempt(
				actorOf(cast, 'learner'),
				(tx) => tx`update public.api_tokens set revoked_at = null where id = ${learnerTokenId}`,
				{ rollback: false }
			);
			expect(outcome).toEqual({ code: '42501' });
			expect(await snapshot('api_tokens')).toBe(before);
		} finally {
			await ownerDb()`update public.api_tokens set revoked_at = null where id = ${learnerTokenId}`;
		}
	});
});

describe('private.user_ids_by_email', () => {
	// Only people the caller could already see: the stranger (no organisation, no course) resolves
	// for nobody but a platform admin, so the answer never tells whether an email has an account.
	const resolves: Record<string, number> = {
		platformAdmin: 2,
		orgAdmin: 1,
		instructor: 1
	};
	for (const who of EVERYONE) {
		const count = resolves[who] ?? 0;
		const outcome =
			who === 'anon'
				? 'is refused'
				: count === 0
					? 'resolves nothing'
					: count === 2
						? 'resolves both emails'
						: 'resolves only the fellow learner';
		it(`${outcome} for ${LABEL[who]}`, async () => {
			const rows = withUser(
				actorOf(cast, who),
				(tx) =>
					tx<
						{ id: string }[]
					>`select id from private.user_ids_by_email(${[cast.stranger.email, cast.fellow.email]}::text[])`
			);
			// anon executes no private function at all.
			if (who === 'anon') {
				await expect(rows).rejects.toMatchObject({ code: '42501' });
			} else {
				const found = await rows;
				expect(found.length).toBe(count);
				if (count === 1) expect(found[0].id).toBe(cast.fellow.id);
			}
		});
	}
});
