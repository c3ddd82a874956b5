import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as chat from '$lib/server/chat';
import { isPgError, readAs, withUser, type Tx } from '$lib/server/db';
import { groupCast, type Cast } from './group-cast';
import { actor, createCourse, createUser, ownerDb, type TestUser } from './helpers';

/**
 * The rules the app reads from the database (supabase/schemas/): the membership views,
 * the capabilities behind the UI's flags, and who may post. Each flag is checked against what the
 * policy or trigger actually lets that person do.
 */
let cast: Cast;
let people: [string, TestUser][];
let groups: [string, string][];

beforeAll(async () => {
	cast = await groupCast();
	people = (
		[
			'platformAdmin',
			'orgAdmin',
			'otherOrgAdmin',
			'leaderG',
			'leaderG1',
			'leaderH',
			'learnerG',
			'learnerG1a',
			'outsider'
		] as const
	).map((name) => [name, cast[name]]);
	groups = (['G', 'G1', 'G1a', 'H'] as const).map((name) => [name, cast[name].id]);
});

const ROLLBACK = new Error('rollback');

/** Runs `fn` as `user` in a transaction that is always rolled back; returns what `fn` returned. */
async function tryAs<T>(user: TestUser, fn: (tx: Tx) => Promise<T>): Promise<T> {
	let result: T | undefined;
	await withUser(actor(user), async (tx) => {
		result = await fn(tx);
		throw ROLLBACK;
	}).catch((error) => {
		if (error !== ROLLBACK) throw error;
	});
	return result as T;
}

describe('the membership views', () => {
	it('list memberships valid now, not ended or future ones', async () => {
		const [ended, future] = [await createUser(), await createUser()];
		await ownerDb()`
			insert into public.group_members (group_id, user_id, valid_from, valid_until) values
			  (${cast.H.id}, ${ended.id}, now() - interval '2 days', now() - interval '1 day'),
			  (${cast.H.id}, ${future.id}, now() + interval '1 day', 'infinity')`;
		const listed = await readAs(actor(cast.orgAdmin), async (tx) => ({
			current: (
				await tx<{ user_id: string }[]>`
					select user_id from public.current_memberships where group_id = ${cast.H.id}`
			).map((row) => row.user_id),
			unexpired: (
				await tx<{ user_id: string }[]>`
					select user_id from public.unexpired_memberships where group_id = ${cast.H.id}`
			).map((row) => row.user_id)
		}));
		expect(listed.current.sort()).toEqual([cast.learnerH.id, cast.leaderH.id].sort());
		expect(listed.unexpired.sort()).toEqual([cast.learnerH.id, cast.leaderH.id, future.id].sort());
	});

	it('make a sub-group’s member an effective member of every ancestor', async () => {
		const rows = await readAs(
			actor(cast.orgAdmin),
			(tx) => tx<{ group_id: string; depth: number; member_group_id: string }[]>`
				select group_id, depth, member_group_id from public.effective_members
				where user_id = ${cast.learnerG1a.id} order by depth`
		);
		expect(rows).toEqual([
			{ group_id: cast.G1a.id, depth: 0, member_group_id: cast.G1a.id },
			{ group_id: cast.G1.id, depth: 1, member_group_id: cast.G1a.id },
			{ group_id: cast.G.id, depth: 2, member_group_id: cast.G1a.id }
		]);
	});

	it('show through RLS only what the caller may see of group_members', async () => {
		for (const [name, user] of people) {
			const seen = await readAs(actor(user), async (tx) => {
				const direct = await tx<{ n: number }[]>`
					select count(*)::int as n from public.group_members
					where valid_from <= now() and valid_until > now()`;
				const view = await tx<
					{ n: number }[]
				>`select count(*)::int as n from public.current_memberships`;
				return [direct[0].n, view[0].n];
			});
			expect(seen[1], name).toBe(seen[0]);
		}
		const outsider = await readAs(
			actor(cast.otherOrgAdmin),
			(tx) => tx`select 1 from public.effective_members where group_id = ${cast.G.id}`
		);
		expect(outsider).toEqual([]);
	});

	it('are closed to anonymous visitors', async () => {
		for (const view of ['current_memberships', 'effective_members', 'unexpired_memberships']) {
			const error = await withUser(null, (tx) => tx.unsafe(`select 1 from public.${view}`)).catch(
				(caught) => caught
			);
			expect(isPgError(error, '42501'), view).toBe(true);
		}
	});
});

describe('capabilities say what the policies allow', () => {
	it('can_manage is true exactly for whom the groups update policy lets edit the group', async () => {
		for (const [name, user] of people) {
			for (const [groupName, groupId] of groups) {
				const [flag] = await readAs(
					actor(user),
					(tx) => tx<{ can_manage: boolean }[]>`
						select can_manage from public.group_capabilities(array[${groupId}::uuid])`
				);
				const updated = await tryAs(
					user,
					(tx) =>
						tx`update public.groups set description = description where id = ${groupId} returning id`
				);
				expect(flag?.can_manage ?? false, `${name} on ${groupName}`).toBe(updated.length === 1);
			}
		}
	});

	it('can_moderate is true exactly for whom the channels update policy lets rename a channel', async () => {
		for (const [name, user] of people) {
			for (const [groupName, groupId] of groups) {
				const [flag] = await readAs(
					actor(user),
					(tx) => tx<{ can_moderate: boolean }[]>`
						select can_moderate from public.group_capabilities(array[${groupId}::uuid])`
				);
				const updated = await tryAs(
					user,
					(tx) => tx`
						update public.channels set name = name where group_id = ${groupId} and kind = 'chat' returning id`
				);
				expect(flag?.can_moderate ?? false, `${name} on ${groupName}`).toBe(updated.length > 0);
			}
		}
	});

	it('grants nothing to someone who cannot see the group, nor to anonymous visitors', async () => {
		const asks = (tx: Tx) => tx<{ rows: number; managed: string[] }[]>`
			select (select count(*)::int from public.group_capabilities(array[${cast.G.id}::uuid])) as rows,
			       public.may_manage_groups(array[${cast.G.id}::uuid])::text[] as managed`;
		expect(await readAs(actor(cast.otherOrgAdmin), asks)).toEqual([{ rows: 0, managed: [] }]);
		expect(await readAs(null, asks)).toEqual([{ rows: 0, managed: [] }]);
		expect(await readAs(actor(cast.orgAdmin), asks)).toEqual([{ rows: 1, managed: [cast.G.id] }]);
	});

	it('answers anonymous visitors with nothing from every public function they may run, before reaching private', async () => {
		const functions = await ownerDb()<{ name: string }[]>`
			select p.proname as name from pg_proc p
			where p.pronamespace = 'public'::regnamespace and has_function_privilege('anon', p.oid, 'execute')
			order by 1`;
		expect(functions.length).toBeGreaterThanOrEqual(14);
		const course = await createCourse(cast.org.id);
		const ids = [cast.G.id, cast.G1.id, cast.H.id, cast.org.id, course.id];
		const call = (name: string) => (tx: Tx) =>
			tx.unsafe<{ answer: string }[]>(
				`select coalesce(jsonb_agg(to_jsonb(r)), '[]')::text as answer from public.${name}($1::uuid[]) as r`,
				[`{${ids.join(',')}}`]
			);
		for (const { name } of functions) {
			// anon may not use the schema private, so a function that reached it would fail here.
			const [{ answer }] = await readAs(null, call(name));
			// No rows (the capabilities) or one empty list (may_*).
			expect(['[]', '[[]]'], name).toContain(answer);
			// The same question from the platform admin names the ids, so the check can see a leak.
			const [admin] = await readAs(actor(cast.platformAdmin), call(name));
			expect(
				ids.some((id) => admin.answer.includes(id)),
				name
			).toBe(true);
		}
		// Claims naming a user do not make anon that user: the helpers stay out of reach.
		for (const { name } of functions) {
			const error = await ownerDb()
				.begin(async (tx) => {
					await tx`
						select set_config('request.jwt.claims', ${JSON.stringify({ sub: cast.platformAdmin.id, role: 'anon' })}, true),
						       set_config('role', 'anon', true)`;
					return call(name)(tx as unknown as Tx);
				})
				.catch((caught) => caught);
			expect(isPgError(error, '42501'), name).toBe(true);
		}
	});

	it('keeps the list of who follows whom to the system', async () => {
		const error = await withUser(actor(cast.leaderG), (tx) =>
			tx.unsafe(`select private.progress_watcher_ids('{}'::uuid[], '{}'::uuid[])`)
		).catch((caught) => caught);
		expect(isPgError(error, '42501')).toBe(true);
	});
});

describe('who may post', () => {
	it('canPost on every channel is what a send of that person gets', async () => {
		const outcomes = new Set<boolean>();
		for (const [name, user] of people) {
			for (const [groupName, groupId] of groups) {
				const channels = await chat.listChannels(actor(user), groupId).catch(() => []);
				for (const channel of channels) {
					const sent = await tryAs(user, async (tx) => {
						try {
							await tx`savepoint attempt`;
							const rows = await tx`
								insert into public.messages (channel_id, author_id, client_id, body)
								values (${channel.id}, ${user.id}, ${randomUUID()}, 'hello') returning id`;
							return rows.length === 1;
						} catch {
							await tx`rollback to savepoint attempt`;
							return false;
						}
					});
					expect(channel.canPost, `${name} in ${groupName} #${channel.name}`).toBe(sent);
					outcomes.add(sent);
				}
			}
		}
		// Both answers occurred (members post in chat, not in announcements), so the test can fail.
		expect([...outcomes].sort()).toEqual([false, true]);
	});
});
