import { beforeAll, describe, expect, it } from 'vitest';
import { pool, withUser, type Tx } from '$lib/server/db';
import { ownerDb } from '../helpers';
import { actorOf, attempt, EVERYONE, LABEL, groupRlsCast, type GroupCast } from './group-matrix';
import { snapshot } from './matrix';

// The bin (issue 13), acted out by the groups cast: course C has "Binned set" (Lab A: learnerG,
// led by leaderG; an announcement and a resource) in the bin, and "Live set" (Lab B: learnerG1).
// Nobody, whatever their role, reads anything of Lab A or the binned set through any table or
// view, and nobody but the bin's functions (for C's managers) writes the bin's columns.

type BinCast = GroupCast & { labA: string; labB: string; binned: string; live: string };

let cast: BinCast;

async function courseGroup(courseId: string, name: string) {
	const [course] = await ownerDb()<{ organisation_id: string }[]>`
		select organisation_id from public.courses where id = ${courseId}`;
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name, visibility)
		values ('course', ${course.organisation_id}, ${courseId}, ${name}, 'scope') returning id`;
	return row.id;
}

beforeAll(async () => {
	const base = await groupRlsCast();
	const labA = await courseGroup(base.course, 'Lab A');
	const labB = await courseGroup(base.course, 'Lab B');
	await ownerDb()`
		insert into public.group_members (group_id, user_id, role) values
		(${labA}, ${base.people.learnerG.id}, 'member'), (${labA}, ${base.people.leaderG.id}, 'leader'),
		(${labB}, ${base.people.learnerG1.id}, 'member')`;
	const [binned] = await ownerDb()<{ id: string }[]>`
		insert into public.groupings (course_id, name) values (${base.course}, 'Binned set') returning id`;
	const [live] = await ownerDb()<{ id: string }[]>`
		insert into public.groupings (course_id, name) values (${base.course}, 'Live set') returning id`;
	await ownerDb()`
		insert into public.grouping_groups (grouping_id, group_id) values (${binned.id}, ${labA}), (${live.id}, ${labB})`;
	await ownerDb()`
		insert into public.announcements (group_id, author_id, title, body, published_at)
		values (${labA}, ${base.people.leaderG.id}, 'Lab A news', 'Bring goggles', now())`;
	await ownerDb()`
		insert into public.resources (group_id, kind, title, url, added_by)
		values (${labA}, 'link', 'Lab A sheet', 'https://example.org/a', ${base.people.leaderG.id})`;
	cast = { ...base, labA, labB, binned: binned.id, live: live.id };
	// Before the bin, the instructor and leaderG read Lab A: the checks below could see a leak.
	for (const who of ['instructor', 'leaderG', 'learnerG', 'platformAdmin'] as const) {
		expect((await everythingOfLabA(who)).length, who).toBeGreaterThan(0);
	}
	await withUser(
		actorOf(cast, 'instructor'),
		(tx) => tx`select * from private.bin_grouping(${binned.id})`
	);
});

/** Every row of Lab A or the binned set that `who` reads, through each table and view. */
async function everythingOfLabA(who: (typeof EVERYONE)[number]): Promise<string[]> {
	const read = async (tx: Tx) => {
		const rows = await tx<{ what: string }[]>`
			select 'group' as what from public.groups where id = ${cast.labA}
			union all select 'grouping' from public.groupings where id = ${cast.binned}
			union all select 'placement' from public.grouping_groups where grouping_id = ${cast.binned} or group_id = ${cast.labA}
			union all select 'member' from public.group_members where group_id = ${cast.labA}
			union all select 'current' from public.current_memberships where group_id = ${cast.labA}
			union all select 'unexpired' from public.unexpired_memberships where group_id = ${cast.labA}
			union all select 'effective' from public.effective_members where group_id = ${cast.labA}
			union all select 'closure' from public.group_closure where ancestor_id = ${cast.labA}
			union all select 'channel' from public.channels where group_id = ${cast.labA}
			union all select 'announcement' from public.announcements where group_id = ${cast.labA}
			union all select 'resource' from public.resources where group_id = ${cast.labA}`;
		return rows.map((row) => row.what);
	};
	if (who === 'anon') {
		// anon reads no table at all; its refusal is the answer.
		return withUser(null, read).catch(() => []);
	}
	return withUser(actorOf(cast, who), read);
}

describe('a binned set and its group', () => {
	for (const who of EVERYONE) {
		it(`shows ${LABEL[who]} nothing of them, in any table or view`, async () => {
			expect(await everythingOfLabA(who)).toEqual([]);
		});
	}

	it('leaves the live set and its group as they were, so staff still see those', async () => {
		for (const who of ['instructor', 'orgAdmin', 'platformAdmin'] as const) {
			const names = await withUser(
				actorOf(cast, who),
				(tx) =>
					tx<{ name: string }[]>`
					select name from public.groupings where course_id = ${cast.course}
					union all select name from public.groups where course_id = ${cast.course}`
			);
			expect(names.map((row) => row.name).sort(), who).toEqual(['Lab B', 'Live set']);
		}
	});

	it('takes the group out of the helper sets the policies read, for its own members too', async () => {
		for (const who of ['learnerG', 'leaderG', 'instructor', 'orgAdmin'] as const) {
			const [sets] = await withUser(
				actorOf(cast, who),
				(tx) =>
					tx<Record<string, boolean>[]>`
					select ${cast.labA}::uuid in (select private.visible_group_ids()) as visible,
					       ${cast.labA}::uuid = any (private.chat_group_ids_array()) as chat,
					       ${cast.labA}::uuid = any (private.chat_readable_group_ids_array()) as readable,
					       ${cast.labA}::uuid in (select private.managed_group_ids()) as managed,
					       ${cast.labA}::uuid in (select private.member_list_group_ids()) as member_list,
					       private.can_chat_in(${cast.labA}) as can_chat`
			);
			expect(sets, who).toEqual({
				visible: false,
				chat: false,
				readable: false,
				managed: false,
				member_list: false,
				can_chat: false
			});
		}
	});
});

describe("the bin's columns", () => {
	for (const who of EVERYONE) {
		it(`stop ${LABEL[who]} writing them straight at the database`, async () => {
			const before = await Promise.all(['groups', 'groupings'].map(snapshot));
			const statements = [
				(tx: Tx) =>
					tx`update public.groups set deleted_at = null, binned_with = null where id = ${cast.labA}`,
				(tx: Tx) =>
					tx`update public.groups set deleted_at = now(), binned_with = ${cast.live} where id = ${cast.labB}`,
				(tx: Tx) => tx`update public.groupings set deleted_at = null where id = ${cast.binned}`,
				(tx: Tx) => tx`update public.groupings set deleted_at = now() where id = ${cast.live}`
			];
			for (const statement of statements) {
				expect(await attempt(actorOf(cast, who), statement, { rollback: false })).toEqual({
					code: '42501'
				});
			}
			// Created straight into the bin: refused by the insert policies, whoever tries.
			const inserts = [
				(tx: Tx) => tx`
					insert into public.groups (scope, organisation_id, course_id, name, deleted_at, binned_with)
					values ('course', ${cast.org}, ${cast.course}, 'Planted', now(), ${cast.binned})`,
				(tx: Tx) => tx`
					insert into public.groupings (course_id, name, deleted_at, deleted_by)
					values (${cast.course}, 'Planted set', now(), ${cast.people.leaderG.id})`
			];
			for (const statement of inserts) {
				expect(await attempt(actorOf(cast, who), statement, { rollback: false })).toEqual({
					code: '42501'
				});
			}
			expect(await Promise.all(['groups', 'groupings'].map(snapshot))).toEqual(before);
		});
	}
});

describe("the bin's functions, straight at the database", () => {
	const MANAGERS = ['instructor', 'orgAdmin', 'platformAdmin'] as const;
	for (const who of EVERYONE) {
		const manager = (MANAGERS as readonly string[]).includes(who);
		it(`${manager ? 'answer' : 'refuse'} ${LABEL[who]}`, async () => {
			const before = await Promise.all(['groups', 'groupings'].map(snapshot));
			const calls = [
				(tx: Tx) => tx`select * from private.course_bin(${cast.course})`,
				(tx: Tx) => tx`select * from private.grouping_bin_preview(${cast.live})`
			];
			for (const call of calls) {
				const outcome = await attempt(actorOf(cast, who), call, { rollback: true });
				expect(outcome).toEqual(manager ? { count: 1 } : { code: '42501' });
			}
			// Writes, rolled back for managers (who may), refused to everyone else.
			const writes = [
				(tx: Tx) => tx`select * from private.bin_grouping(${cast.live})`,
				(tx: Tx) =>
					tx`select * from private.restore_grouping(${cast.course}, ${cast.binned}, null)`,
				(tx: Tx) => tx`select private.purge_grouping(${cast.course}, ${cast.binned})`
			];
			for (const write of writes) {
				const outcome = await attempt(actorOf(cast, who), write, { rollback: true });
				expect(outcome).toEqual(manager ? { count: 1 } : { code: '42501' });
			}
			await expect(
				withUser(actorOf(cast, who), (tx) => tx`select private.purge_expired_bins('0 seconds')`)
			).rejects.toMatchObject({ code: '42501' });
			expect(await Promise.all(['groups', 'groupings'].map(snapshot))).toEqual(before);
		});
	}

	it('give forged claims nothing: a learner claiming service_role or admin, claims without a person', async () => {
		const forged = (claims: object, role: string, query: (tx: Tx) => Promise<unknown>) =>
			pool().begin(async (tx) => {
				await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
				                set_config('role', ${role}, true)`;
				return query(tx as unknown as Tx);
			});
		const learner = cast.people.learnerG.id;
		for (const claims of [
			{ sub: learner, role: 'service_role', platform_role: 'admin' },
			{ role: 'authenticated' }
		]) {
			await expect(
				forged(
					claims,
					'authenticated',
					(tx) => tx`select * from private.course_bin(${cast.course})`
				)
			).rejects.toMatchObject({ code: '42501' });
			await expect(
				forged(
					claims,
					'authenticated',
					(tx) => tx`select * from private.restore_grouping(${cast.course}, ${cast.binned}, null)`
				)
			).rejects.toMatchObject({ code: '42501' });
			expect(
				await forged(
					claims,
					'authenticated',
					(tx) => tx`select id from public.groups where id = ${cast.labA}
					           union all select group_id from public.group_members where group_id = ${cast.labA}`
				)
			).toEqual([]);
		}
		await expect(
			forged(
				{ sub: learner, role: 'anon' },
				'anon',
				(tx) => tx`select * from private.course_bin(${cast.course})`
			)
		).rejects.toMatchObject({ code: '42501' });
		const [{ deleted }] = await ownerDb()<{ deleted: boolean }[]>`
			select deleted_at is not null as deleted from public.groupings where id = ${cast.binned}`;
		expect(deleted).toBe(true);
	});
});
