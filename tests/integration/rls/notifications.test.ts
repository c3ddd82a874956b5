import { beforeAll, describe, expect, it } from 'vitest';
import { pool, withUser } from '$lib/server/db';
import { actor, foundationCast, ownerDb } from '../helpers';
import {
	actorOf,
	attempt,
	changeMatrix,
	EVERYONE,
	LABEL,
	snapshot,
	visibilityMatrix,
	type Cast,
	type Who
} from './matrix';

// The notification inbox and its preferences, acted out by everyone: a person sees, marks read
// and configures only their own; nobody writes notifications through the API roles (the
// database's triggers and the system do); the unsubscribe tokens and digest claims are the
// system's alone.

let cast: Cast;
const OWNERS = ['learner', 'instructor'] as const;

beforeAll(async () => {
	cast = await foundationCast();
	for (const who of OWNERS) {
		await ownerDb()`
			insert into public.notifications (user_id, kind, title, summary, link)
			values (${cast[who].id}, 'announcement', ${'For ' + who}, 'Secret summary', '/')`;
		await ownerDb()`
			insert into public.notification_preferences (user_id, kind, delivery)
			values (${cast[who].id}, 'mention', 'digest')`;
	}
});

const own = (who: Who): string[] => ((OWNERS as readonly string[]).includes(who) ? [who] : []);
const expectedOwn = Object.fromEntries(EVERYONE.map((who) => [who, own(who)])) as Record<
	Who,
	string[]
>;

async function ownersOf(rows: { user_id: string }[]): Promise<string[]> {
	return rows.map((row) => OWNERS.find((who) => cast[who].id === row.user_id) ?? `someone else`);
}

/**
 * changeMatrix for updates and deletes of tables anon has no grant on: anon is refused outright
 * (42501), the other outsiders match no row, the allowed person changes one (rolled back).
 */
function ownRowsOnly(options: {
	table: string;
	action: string;
	statement: (c: Cast) => Parameters<typeof attempt>[1];
}) {
	for (const who of EVERYONE) {
		const allowed = who === 'learner';
		it(`${allowed ? 'lets' : 'stops'} ${LABEL[who]} ${options.action}`, async () => {
			const before = await snapshot(options.table);
			const outcome = await attempt(actorOf(cast, who), options.statement(cast), {
				rollback: allowed
			});
			expect(outcome).toEqual(
				allowed ? { count: 1 } : who === 'anon' ? { code: '42501' } : { count: 0 }
			);
			expect(await snapshot(options.table)).toBe(before);
		});
	}
}

describe('notifications: reading', () => {
	visibilityMatrix({
		cast: () => cast,
		what: 'notifications (their own only)',
		expected: { ...expectedOwn, anon: [] },
		visible: async (tx, c) => {
			try {
				const rows = await tx<{ user_id: string }[]>`
					select user_id from public.notifications
					where user_id in (${c.learner.id}, ${c.instructor.id})`;
				return ownersOf(rows);
			} catch (error) {
				// anon has no grant at all.
				if ((error as { code?: string }).code === '42501') return [];
				throw error;
			}
		}
	});
});

describe('notifications: marking read', () => {
	ownRowsOnly({
		table: 'notifications',
		action: 'mark the learner’s notification read',
		statement: (c) => (tx) =>
			tx`update public.notifications set read_at = now() where user_id = ${c.learner.id}`
	});

	for (const who of EVERYONE) {
		it(`stops ${LABEL[who]} rewriting, adding or deleting notifications, even their own`, async () => {
			const before = await snapshot('notifications');
			const target = cast.learner.id;
			for (const statement of [
				(tx: Parameters<Parameters<typeof withUser>[1]>[0]) =>
					tx`update public.notifications set title = 'Forged', link = '/evil' where user_id = ${target}`,
				(tx: Parameters<Parameters<typeof withUser>[1]>[0]) =>
					tx`insert into public.notifications (user_id, kind, title, link)
					   values (${target}, 'mention', 'Forged', '/')`,
				(tx: Parameters<Parameters<typeof withUser>[1]>[0]) =>
					tx`delete from public.notifications where user_id = ${target}`
			]) {
				const outcome = await attempt(actorOf(cast, who), statement, { rollback: false });
				expect(outcome).toEqual({ code: '42501' });
			}
			expect(await snapshot('notifications')).toBe(before);
		});
	}
});

describe('notification preferences', () => {
	visibilityMatrix({
		cast: () => cast,
		what: 'notification preferences (their own only)',
		expected: { ...expectedOwn, anon: [] },
		visible: async (tx, c) => {
			try {
				const rows = await tx<{ user_id: string }[]>`
					select user_id from public.notification_preferences
					where user_id in (${c.learner.id}, ${c.instructor.id})`;
				return ownersOf(rows);
			} catch (error) {
				if ((error as { code?: string }).code === '42501') return [];
				throw error;
			}
		}
	});

	changeMatrix({
		cast: () => cast,
		table: 'notification_preferences',
		action: 'set a preference for the learner',
		allowed: ['learner'],
		kind: 'insert',
		statement: (c) => (tx) =>
			tx`insert into public.notification_preferences (user_id, kind, delivery)
			   values (${c.learner.id}, 'announcement', 'off')`
	});

	ownRowsOnly({
		table: 'notification_preferences',
		action: 'change the learner’s preference',
		statement: (c) => (tx) =>
			tx`update public.notification_preferences set delivery = 'off' where user_id = ${c.learner.id}`
	});

	ownRowsOnly({
		table: 'notification_preferences',
		action: 'reset the learner’s preference',
		statement: (c) => (tx) =>
			tx`delete from public.notification_preferences where user_id = ${c.learner.id}`
	});
});

describe('what only the system touches', () => {
	for (const who of ['anon', 'learner', 'platformAdmin'] as const) {
		it(`keeps unsubscribe tokens, digest claims and the delivery helper from ${LABEL[who]}`, async () => {
			for (const statement of [
				(tx: Parameters<Parameters<typeof withUser>[1]>[0]) =>
					tx`select token from private.notification_email_tokens`,
				(tx: Parameters<Parameters<typeof withUser>[1]>[0]) =>
					tx`insert into private.notification_digests (user_id, day) values (${cast.learner.id}, current_date)`,
				(tx: Parameters<Parameters<typeof withUser>[1]>[0]) =>
					tx`select private.notification_delivery(${cast.learner.id}, 'mention')`
			]) {
				const outcome = await attempt(actorOf(cast, who), statement, { rollback: false });
				expect(outcome).toEqual({ code: '42501' });
			}
		});
	}
});

describe('forged claims, straight at the database', () => {
	async function asForged(claims: object, role: string) {
		return pool().begin(async (tx) => {
			await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
			                set_config('role', ${role}, true)`;
			return tx<{ user_id: string }[]>`select user_id from public.notifications`;
		});
	}

	it('shows a platform admin only their own inbox, whatever the claims say about roles', async () => {
		const rows = await asForged(
			{ sub: cast.platformAdmin.id, role: 'service_role', platform_role: 'admin', via: 'system' },
			'authenticated'
		);
		expect(rows.every((row) => row.user_id === cast.platformAdmin.id)).toBe(true);
		expect(rows.some((row) => row.user_id === cast.learner.id)).toBe(false);
	});

	it('shows claims without a person nothing, and refuses anon with a person’s id', async () => {
		expect(await asForged({ role: 'authenticated' }, 'authenticated')).toEqual([]);
		await expect(asForged({ sub: cast.learner.id, role: 'anon' }, 'anon')).rejects.toMatchObject({
			code: '42501'
		});
	});

	it('lets a person mark read nobody’s notifications but their own, even naming them by id', async () => {
		const [theirs] = await ownerDb()`
			select id from public.notifications where user_id = ${cast.instructor.id}`;
		const marked = await withUser(
			actor(cast.otherLearner),
			(tx) => tx`update public.notifications set read_at = now() where id = ${theirs.id}`
		);
		expect(marked.count).toBe(0);
		const [after] =
			await ownerDb()`select read_at from public.notifications where id = ${theirs.id}`;
		expect(after.read_at).toBeNull();
	});
});
