import { beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Actor, type Tx } from '$lib/server/db';
import { actor, createUser, enrol, foundationCast, ownerDb, type TestUser } from '../helpers';
import { DEFINER_REVIEW } from './definer-review';

// Every security definer function an API role may call, called straight at the database with the
// claims the app sets (withUser), by people who have no business with the course it is pointed
// at: it must refuse anon, and reveal and change nothing for a learner of another course or of
// another organisation. Where a function answers insiders, an insider's call shows the test
// could see a leak if there were one.

type Cast = Awaited<ReturnType<typeof foundationCast>> & {
	linked: TestUser[];
	groupId: string;
	cohortId: string;
	linkId: string;
	groupingId: string;
	activityId: string;
	/** The course group's `general` channel, and the same row as text (a channels value). */
	channelId: string;
	channelRow: string;
};

let cast: Cast;
let secrets: string[];
let tables: string[];

beforeAll(async () => {
	const base = await foundationCast();
	const linked = [
		await createUser({ name: 'Linked One' }),
		await createUser({ name: 'Linked Two' }),
		await createUser({ name: 'Linked Three' })
	];
	const [group] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name, visibility)
		values ('course', ${base.org.id}, ${base.course.id}, 'Tutorial', 'scope') returning id`;
	for (const who of [base.learner, base.fellow]) {
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${group.id}, ${who.id})`;
	}
	await ownerDb()`insert into public.group_members (group_id, user_id, role) values (${group.id}, ${base.assistant.id}, 'leader')`;
	const [cohort] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, name, visibility)
		values ('organisation', ${base.org.id}, 'Cohort 2026', 'members') returning id`;
	for (const who of linked) {
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${cohort.id}, ${who.id})`;
	}
	// The link enrols the cohort (by its trigger): the enrolments an outsider must not remove.
	const [link] = await ownerDb()<{ id: string }[]>`
		insert into public.course_group_links (course_id, group_id, removal_policy)
		values (${base.course.id}, ${cohort.id}, 'unenrol') returning id`;
	const [grouping] = await ownerDb()<{ id: string }[]>`
		insert into public.groupings (course_id, name, signup_open) values (${base.course.id}, 'Tutorials', true)
		returning id`;
	await ownerDb()`insert into public.grouping_groups (grouping_id, group_id) values (${grouping.id}, ${group.id})`;
	const [activity] = await ownerDb()<{ id: string }[]>`
		insert into public.activities (course_id, title) values (${base.course.id}, 'Tutorial sheet') returning id`;
	await ownerDb()`
		insert into public.activity_restrictions (activity_id, course_id, group_id)
		values (${activity.id}, ${base.course.id}, ${group.id})`;
	await ownerDb()`
		insert into public.course_progress_settings (course_id, learner_groups_enabled) values (${base.course.id}, true)`;
	await enrol(base.course.id, (await createUser({ name: 'Fifth Learner' })).id);
	// Self-enrolment is on from tomorrow, with a course key and a group key an outsider may try to
	// guess (open today, the course would be listed to the organisation's people by design: the
	// other course's learner is one; rls/group-sets.test.ts tries keys on an open course).
	await ownerDb()`
		insert into public.course_self_enrolment (course_id, enabled, opens_at)
		values (${base.course.id}, true, now() + interval '1 day')`;
	await ownerDb()`
		insert into public.course_enrolment_keys (course_id, group_id, key)
		values (${base.course.id}, null, 'cast-course-key-2026'), (${base.course.id}, ${group.id}, 'cast-group-key-2026')`;
	const [channel] = await ownerDb()<{ id: string; row: string }[]>`
		select c.id, c::text as row from public.channels c
		where c.group_id = ${group.id} and c.kind = 'chat'`;

	cast = {
		...base,
		linked,
		groupId: group.id,
		cohortId: cohort.id,
		linkId: link.id,
		groupingId: grouping.id,
		activityId: activity.id,
		channelId: channel.id,
		channelRow: channel.row
	};
	const [{ enrolled }] = await ownerDb()<{ enrolled: number }[]>`
		select count(*)::int as enrolled from public.enrolments
		where course_id = ${base.course.id} and source = 'link' and status = 'active'`;
	expect(enrolled).toBe(3);

	// What nobody outside the course may learn: its ids, its people and their emails.
	const insiders = [
		base.instructor,
		base.assistant,
		base.learner,
		base.fellow,
		base.suspended,
		base.orgAdmin,
		base.platformAdmin,
		...linked
	];
	secrets = [
		base.course.id,
		group.id,
		cohort.id,
		link.id,
		grouping.id,
		activity.id,
		channel.id,
		...insiders.map((user) => user.id),
		...insiders.map((user) => user.email)
	];
	tables = (
		await ownerDb()<{ name: string }[]>`
			select n.nspname || '.' || c.relname as name from pg_class c
			join pg_namespace n on n.oid = c.relnamespace
			where n.nspname in ('public', 'private') and c.relkind in ('r', 'p') order by 1`
	).map((row) => row.name);
});

/** Every row of every table, as the owner sees it. */
async function everything(): Promise<string> {
	const rows = await Promise.all(
		tables.map((table) =>
			ownerDb().unsafe(
				`select coalesce(string_agg(to_jsonb(t)::text, ',' order by to_jsonb(t)::text), '') as rows from ${table} t`
			)
		)
	);
	return rows.map(([row], i) => `${tables[i]}: ${row.rows}`).join('\n');
}

function pgArray(values: string[]): string {
	return `{${values.map((value) => `"${value}"`).join(',')}}`;
}

/** The arguments each function is called with: the course, group, link and people of others. */
const ARGUMENTS: Record<string, (c: Cast) => (string | null)[]> = {
	'private.can_post_in_row(channels)': (c) => [c.channelRow],
	'private.can_post_in(uuid)': (c) => [c.channelId],
	'private.can_chat_in(uuid)': (c) => [c.groupId],
	'private.may_mention_channel(uuid)': (c) => [c.groupId],
	'private.mentionable_people(uuid)': (c) => [c.channelId],
	'private.messageable_ids(uuid[])': (c) => [pgArray([c.learner.id, c.instructor.id, c.fellow.id])],
	'private.start_conversation(uuid[])': (c) => [pgArray([c.learner.id, c.instructor.id])],
	'private.conversation_storage(uuid)': (c) => [c.channelId],
	'private.messageable_people(text)': () => ['Fellow'],
	'private.course_median_progress(uuid[])': (c) => [pgArray([c.course.id])],
	'private.course_participants_in_group(uuid, uuid)': (c) => [c.course.id, c.cohortId],
	'private.lock_signup_group(uuid)': (c) => [c.groupId],
	'private.lock_group_for_add(uuid)': (c) => [c.groupId],
	'private.open_restricted_activities(uuid[], uuid[])': (c) => [
		pgArray([c.course.id]),
		pgArray([c.learner.id, c.fellow.id, ...c.linked.map((user) => user.id)])
	],
	'private.restricted_activity_stubs(uuid)': (c) => [c.course.id],
	'private.effective_group_mode(text, boolean, text)': () => ['separate', 'true', 'none'],
	'private.signup_group_places(uuid[])': (c) => [pgArray([c.groupId, c.cohortId])],
	'private.user_ids_by_email(text[])': (c) => [pgArray([c.learner.email, c.linked[0].email])],
	'private.can_admit_to_group(uuid)': (c) => [c.groupId],
	'private.group_scope_user_ids(uuid, uuid[])': (c) => [
		c.groupId,
		pgArray([c.learner.id, c.fellow.id, ...c.linked.map((user) => user.id)])
	],
	'private.touch_activity(uuid)': (c) => [c.learner.id],
	'private.admits_to_course(uuid, uuid)': (c) => [c.orgAdmin.id, c.course.id],
	'private.announcement_audience(uuid)': (c) => [c.groupId],
	'private.notification_delivery(uuid, text)': (c) => [c.learner.id, 'mention'],
	'private.admits_to_group(uuid, uuid)': (c) => [c.orgAdmin.id, c.groupId],
	'private.memberships_outside_scope(uuid[], uuid[])': (c) => [
		pgArray([c.groupId]),
		pgArray([c.stranger.id])
	],
	'private.course_progress(uuid[], timestamp with time zone)': (c) => [
		pgArray([c.course.id]),
		new Date().toISOString()
	],
	'private.learner_group_facts_changed(uuid, pg_snapshot)': (c) => [c.groupId, null],
	'private.progress_watcher_ids(uuid[], uuid[])': (c) => [
		pgArray([c.course.id]),
		pgArray([c.learner.id, c.fellow.id])
	],
	'private.sync_course_links(uuid[], uuid[])': (c) => [pgArray([c.linkId]), null],
	'private.self_enrol(uuid, text)': (c) => [c.course.id, 'a-guessed-key-2026'],
	'private.grouping_bin_preview(uuid)': (c) => [c.groupingId],
	'private.bin_grouping(uuid)': (c) => [c.groupingId],
	'private.course_bin(uuid)': (c) => [c.course.id],
	'private.restore_grouping(uuid, uuid, text)': (c) => [c.course.id, c.groupingId, 'Restored'],
	'private.purge_grouping(uuid, uuid)': (c) => [c.course.id, c.groupingId],
	'private.purge_expired_bins(interval)': () => ['0 seconds']
};

/** Runs `select * from fn(args)` and then lists the advisory locks the transaction holds. */
function call(signature: string, args: (string | null)[]) {
	const name = signature.slice(0, signature.indexOf('('));
	const types = signature.slice(signature.indexOf('(') + 1, -1);
	const placeholders = types
		? types.split(', ').map((type, i) => `$${i + 1}::${type}`)
		: ([] as string[]);
	return async (tx: Tx) => {
		const rows = await tx.unsafe(
			`select * from ${name}(${placeholders.join(', ')}) as result`,
			args
		);
		const [{ locks }] = await tx<{ locks: number }[]>`
			select count(*)::int as locks from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()`;
		return { answer: JSON.stringify(rows), locks };
	};
}

function argumentsOf(signature: string): (string | null)[] {
	const types = signature.slice(signature.indexOf('(') + 1, -1);
	const build = ARGUMENTS[signature];
	if (build) return build(cast);
	expect(types, `${signature} takes arguments: say in ARGUMENTS what to call it with`).toBe('');
	return [];
}

const OUTSIDERS = {
	'a learner of another course': () => actor(cast.otherLearner),
	'a learner of another organisation': () => actor(cast.foreignLearner)
} as const;

describe('every reviewed security definer function, called by outsiders', () => {
	it('has a reviewed reason for every entry', () => {
		for (const entry of DEFINER_REVIEW) {
			expect(entry.reason.length, entry.signature).toBeGreaterThan(10);
		}
	});

	for (const entry of DEFINER_REVIEW) {
		describe(entry.signature, () => {
			it('is refused to an anonymous visitor', async () => {
				const before = await everything();
				await expect(
					withUser(null, call(entry.signature, argumentsOf(entry.signature)))
				).rejects.toMatchObject({ code: '42501' });
				expect(await everything()).toBe(before);
			});

			for (const [label, outsider] of Object.entries(OUTSIDERS)) {
				const people = entry.roles.includes('authenticated');
				it(`${people ? 'reveals, locks and changes nothing for' : 'is refused to'} ${label}`, async () => {
					const before = await everything();
					const outcome = withUser(outsider(), call(entry.signature, argumentsOf(entry.signature)));
					if (!people || entry.refusesOutsiders) {
						await expect(outcome).rejects.toMatchObject({ code: '42501' });
					} else {
						const { answer, locks } = await outcome;
						expect(secrets.filter((secret) => answer.includes(secret))).toEqual([]);
						// A yes/no answer about someone else's group is a leak too.
						expect(answer).not.toContain('true');
						expect(locks).toBe(0);
					}
					expect(await everything()).toBe(before);
				});
			}
		});
	}
});

describe('the same functions answer insiders, so the outsider checks can see a leak', () => {
	const insiderCalls: [string, () => Actor, (answer: string, locks: number) => void][] = [
		[
			'private.can_post_in_row(channels)',
			() => actor(cast.learner),
			(answer) => expect(answer).toContain('true')
		],
		[
			'private.can_post_in(uuid)',
			() => actor(cast.learner),
			(answer) => expect(answer).toContain('true')
		],
		[
			'private.can_chat_in(uuid)',
			() => actor(cast.learner),
			(answer) => expect(answer).toContain('true')
		],
		[
			'private.mentionable_people(uuid)',
			() => actor(cast.learner),
			(answer) => expect(answer).toContain(cast.learner.id)
		],
		[
			'private.may_mention_channel(uuid)',
			() => actor(cast.instructor),
			(answer) => expect(answer).toContain('true')
		],
		[
			'private.messageable_ids(uuid[])',
			() => actor(cast.learner),
			(answer) => expect(answer).toContain(cast.instructor.id)
		],
		[
			'private.messageable_people(text)',
			() => actor(cast.learner),
			(answer) => expect(answer).toContain(cast.fellow.id)
		],
		[
			'private.start_conversation(uuid[])',
			() => actor(cast.learner),
			(answer, locks) => {
				expect(JSON.parse(answer)).toHaveLength(1);
				expect(locks).toBeGreaterThan(0);
			}
		],
		[
			'private.course_median_progress(uuid[])',
			() => actor(cast.instructor),
			(answer) => expect(answer).toContain(cast.course.id)
		],
		[
			'private.lock_signup_group(uuid)',
			() => actor(cast.linked[0]),
			(answer, locks) => {
				expect(JSON.parse(answer)).toHaveLength(1);
				expect(locks).toBeGreaterThan(0);
			}
		],
		[
			'private.grouping_bin_preview(uuid)',
			() => actor(cast.instructor),
			(answer) =>
				expect(JSON.parse(answer)).toEqual([{ group_count: 1, member_count: 3, staying: [] }])
		],
		[
			'private.lock_group_for_add(uuid)',
			() => actor(cast.instructor),
			(_answer, locks) => expect(locks).toBeGreaterThan(0)
		],
		[
			'private.open_restricted_activities(uuid[], uuid[])',
			() => actor(cast.instructor),
			(answer) => expect(answer).toContain(cast.activityId)
		],
		[
			'private.restricted_activity_stubs(uuid)',
			() => actor(cast.linked[0]),
			(answer) => expect(answer).toContain('Tutorial sheet')
		],
		[
			'private.signup_group_places(uuid[])',
			() => actor(cast.learner),
			(answer) => expect(answer).toContain(cast.groupId)
		],
		[
			'private.user_ids_by_email(text[])',
			() => actor(cast.orgAdmin),
			(answer) => expect(answer).toContain(cast.linked[0].id)
		],
		[
			'private.can_admit_to_group(uuid)',
			() => actor(cast.instructor),
			(answer) => expect(answer).toContain('true')
		],
		[
			'private.group_scope_user_ids(uuid, uuid[])',
			() => actor(cast.instructor),
			(answer) => expect(answer).toContain(cast.learner.id)
		],
		[
			'private.activity_allowed_groups()',
			() => actor(cast.learner),
			(answer) => expect(answer).toContain(cast.activityId)
		],
		[
			'private.learner_group_course_ids_array()',
			() => actor(cast.instructor),
			(answer) => expect(answer).toContain(cast.course.id)
		],
		[
			'private.visible_user_ids()',
			() => actor(cast.fellow),
			(answer) => expect(answer).toContain(cast.learner.id)
		]
	];
	for (const [signature, insider, check] of insiderCalls) {
		it(`${signature} answers an insider`, async () => {
			const { answer, locks } = await withUser(insider(), call(signature, argumentsOf(signature)));
			check(answer, locks);
		});
	}
});

describe('the side doors that were open', () => {
	const learnerOfTheCourse = () => actor(cast.learner);
	const doors: [string, (c: Cast) => (string | null)[]][] = [
		['private.unlink_course_link(uuid)', (c) => [c.linkId]],
		['private.sync_course_links(uuid[], uuid[])', (c) => [pgArray([c.linkId]), null]],
		['private.chat_participant_ids(uuid)', (c) => [c.groupId]],
		['private.lock_course_groupings(uuid, boolean)', (c) => [c.course.id, 'true']],
		['private.links_over_groups(uuid[])', (c) => [pgArray([c.cohortId])]],
		['private.reads_chat_only_in(uuid)', (c) => [c.groupId]],
		['private.grouping_bin_group_ids(uuid)', (c) => [c.groupingId]],
		['private.bin_managed_course(uuid, boolean)', (c) => [c.groupingId, 'false']],
		// Who may post, with its reason: only a yes or no (can_post_in) is anyone's to ask.
		['private.post_refusal(uuid)', (c) => [c.channelId]],
		['private.post_refusal_for_row(channels)', (c) => [c.channelRow]]
	];
	for (const [signature, args] of doors) {
		for (const [label, who] of [
			['an anonymous visitor', () => null],
			['a learner of the course', learnerOfTheCourse],
			['a learner of another course', OUTSIDERS['a learner of another course']]
		] as const) {
			it(`refuses ${signature} to ${label}, changing nothing`, async () => {
				const before = await everything();
				await expect(withUser(who(), call(signature, args(cast)))).rejects.toMatchObject({
					code: '42501'
				});
				expect(await everything()).toBe(before);
			});
		}
	}

	it('still lets the system re-sync a link, which is where sync_course_links belongs', async () => {
		await ownerDb()`delete from public.course_link_members where link_id = ${cast.linkId} and user_id = ${cast.linked[0].id}`;
		await ownerDb()`select private.sync_course_links(array[${cast.linkId}::uuid], null)`;
		const [row] = await ownerDb()`
			select count(*)::int as n from public.course_link_members where link_id = ${cast.linkId}`;
		expect(row.n).toBe(3);
	});
});

describe('private functions off the reviewed list', () => {
	it('run for nobody: anon is refused every private function, and learners every unreviewed one', async () => {
		const reviewed = new Set(
			DEFINER_REVIEW.filter((entry) => entry.roles.includes('authenticated')).map(
				(entry) => entry.signature
			)
		);
		const functions = await ownerDb()<{ signature: string }[]>`
			select format('%s.%s(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)) as signature
			from pg_proc p join pg_namespace n on n.oid = p.pronamespace
			where n.nspname = 'private' and p.prorettype <> 'trigger'::regtype order by 1`;
		expect(functions.length).toBeGreaterThan(reviewed.size);
		const before = await everything();
		for (const { signature } of functions) {
			const types = signature.slice(signature.indexOf('(') + 1, -1);
			const nulls = types ? types.split(', ').map(() => null) : [];
			await expect(withUser(null, call(signature, nulls)), signature).rejects.toMatchObject({
				code: '42501'
			});
			if (!reviewed.has(signature)) {
				await expect(
					withUser(actor(cast.learner), call(signature, nulls)),
					signature
				).rejects.toMatchObject({ code: '42501' });
			}
		}
		expect(await everything()).toBe(before);
	});

	it('lets no learner move an id sequence back (setval), which would break every audited change', async () => {
		for (const sequence of ['public.audit_events_id_seq', 'public.learner_events_id_seq']) {
			await expect(
				withUser(actor(cast.learner), (tx) => tx`select setval(${sequence}::regclass, 1)`)
			).rejects.toMatchObject({ code: '42501' });
		}
	});
});
