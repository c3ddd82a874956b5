import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Actor } from '$lib/server/db';
import * as directMessages from '$lib/server/direct-messages';
import { actor, createUser, foundationCast, ownerDb, type TestUser } from '../helpers';
import { attempt, snapshot } from './matrix';

// Direct conversations, straight at the database with the claims the app sets (forged where a
// person pretends to be someone else): only the people in a conversation read it and write in it;
// platform admins read it (as they read every channel) but neither post nor react; nobody writes
// the conversation tables except through private.start_conversation.

type Cast = Awaited<ReturnType<typeof foundationCast>> & {
	leader: TestUser;
	groupMember: TestUser;
};
let cast: Cast;
let conversationId: string;
let messageId: string;

const PEOPLE = [
	'anon',
	'learner',
	'fellow',
	'otherLearner',
	'groupMember',
	'leader',
	'instructor',
	'orgAdmin',
	'platformAdmin'
] as const;
type Who = (typeof PEOPLE)[number];
const LABEL: Record<Who, string> = {
	anon: 'an anonymous visitor',
	learner: 'the learner who started it',
	fellow: 'the other learner in it',
	otherLearner: 'a learner of another course',
	groupMember: 'a member of another group',
	leader: "the learner's group leader (not in it)",
	instructor: 'their instructor (not in it)',
	orgAdmin: 'the organisation admin',
	platformAdmin: 'a platform admin'
};
const IN_IT: readonly Who[] = ['learner', 'fellow'];
const READERS: readonly Who[] = ['learner', 'fellow', 'platformAdmin'];

const who = (name: Who): Actor => (name === 'anon' ? null : actor(cast[name]));

beforeAll(async () => {
	const base = await foundationCast();
	const leader = await createUser({ name: 'Group Leader', memberOf: base.org.id });
	const groupMember = await createUser({ name: 'Other Group Member', memberOf: base.org.id });
	await ownerDb()`insert into public.organisation_members (organisation_id, user_id) values (${base.org.id}, ${base.learner.id})`;
	const [mine] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, name) values ('organisation', ${base.org.id}, 'Tutor group') returning id`;
	const [other] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, name) values ('organisation', ${base.org.id}, 'Other group') returning id`;
	await ownerDb()`
		insert into public.group_members (group_id, user_id, role) values
		  (${mine.id}, ${leader.id}, 'leader'), (${mine.id}, ${base.learner.id}, 'member'),
		  (${other.id}, ${groupMember.id}, 'member')`;
	cast = { ...base, leader, groupMember };
	conversationId = (await directMessages.start(actor(cast.learner), { userIds: [cast.fellow.id] }))
		.id;
	const sent = await directMessages.send(actor(cast.learner), conversationId, {
		clientId: randomUUID(),
		body: 'Secret plans'
	});
	messageId = sent.message.id;
	await ownerDb()`
		insert into public.message_reactions (message_id, user_id, emoji) values (${messageId}, ${cast.fellow.id}, '👀')`;
});

describe('reading a conversation', () => {
	for (const person of PEOPLE) {
		const reads = READERS.includes(person);
		it(`${reads ? 'shows' : 'hides'} it to ${LABEL[person]}`, async () => {
			const seen = await withUser(who(person), async (tx) => ({
				conversations: (
					await tx`select 1 from public.conversations where channel_id = ${conversationId}`
				).count,
				members: (
					await tx`select 1 from public.conversation_members where channel_id = ${conversationId}`
				).count,
				channels: (await tx`select 1 from public.channels where id = ${conversationId}`).count,
				messages: (await tx`select 1 from public.messages where channel_id = ${conversationId}`)
					.count,
				reactions: (
					await tx`select 1 from public.message_reactions where message_id = ${messageId}`
				).count
			})).catch((error: { code?: string }) => ({ refused: error.code }));
			if (person === 'anon') {
				expect(seen).toEqual({ refused: '42501' });
				return;
			}
			const n = reads ? 1 : 0;
			expect(seen).toEqual({
				conversations: n,
				members: reads ? 2 : 0,
				channels: n,
				messages: n,
				reactions: n
			});
		});
	}
});

describe('writing in a conversation', () => {
	for (const person of PEOPLE) {
		const allowed = IN_IT.includes(person);
		it(`${allowed ? 'lets' : 'stops'} ${LABEL[person]} post as themselves`, async () => {
			const before = await snapshot('messages');
			const authorId = person === 'anon' ? cast.learner.id : cast[person].id;
			const outcome = await attempt(
				who(person),
				(tx) => tx`
					insert into public.messages (channel_id, author_id, client_id, body)
					values (${conversationId}, ${authorId}, ${randomUUID()}, 'hello')`,
				{ rollback: allowed }
			);
			if (allowed) expect(outcome).toEqual({ count: 1 });
			else expect(outcome).toMatchObject({ code: expect.stringMatching(/^(42501|23503)$/) });
			expect(await snapshot('messages')).toBe(before);
		});

		it(`${allowed ? 'lets' : 'stops'} ${LABEL[person]} react as themselves`, async () => {
			const before = await snapshot('message_reactions');
			const outcome = await attempt(
				who(person),
				(tx) => tx`
					insert into public.message_reactions (message_id, user_id, emoji)
					values (${messageId}, ${person === 'anon' ? cast.learner.id : cast[person].id}, '🙂')`,
				{ rollback: allowed }
			);
			if (allowed) expect(outcome).toEqual({ count: 1 });
			else expect(outcome).toEqual({ code: '42501' });
			expect(await snapshot('message_reactions')).toBe(before);
		});

		it(`${person === 'learner' ? 'lets' : 'stops'} ${LABEL[person]} edit the learner's message`, async () => {
			const before = await snapshot('messages');
			const outcome = await attempt(
				who(person),
				(tx) => tx`update public.messages set body = 'changed' where id = ${messageId}`,
				{ rollback: person === 'learner' }
			);
			if (person === 'learner') expect(outcome).toEqual({ count: 1 });
			else if (person === 'anon' || person === 'platformAdmin') {
				// anon has no grant; a platform admin reaches the row (moderation) but only authors edit.
				expect(outcome).toEqual({ code: '42501' });
			} else expect(outcome).toEqual({ count: 0 });
			expect(await snapshot('messages')).toBe(before);
		});
	}

	it('stops a member posting as someone else (a forged author)', async () => {
		const outcome = await attempt(
			actor(cast.learner),
			(tx) => tx`
				insert into public.messages (channel_id, author_id, client_id, body)
				values (${conversationId}, ${cast.fellow.id}, ${randomUUID()}, 'I am Fellow')`,
			{ rollback: false }
		);
		expect(outcome).toEqual({ code: '42501' });
	});

	it('lets only its people move a read position in it', async () => {
		for (const person of ['learner', 'otherLearner', 'leader'] as const) {
			const outcome = await attempt(
				who(person),
				(tx) => tx`
					insert into public.channel_reads (user_id, channel_id, last_read_seq)
					values (${cast[person].id}, ${conversationId}, 1)`,
				{ rollback: true }
			);
			expect(outcome, person).toEqual(person === 'learner' ? { count: 1 } : { code: '42501' });
		}
	});
});

describe('the conversation tables', () => {
	for (const person of PEOPLE) {
		it(`refuses ${LABEL[person]} any direct write`, async () => {
			const before = [await snapshot('conversations'), await snapshot('conversation_members')];
			const id = person === 'anon' ? cast.learner.id : cast[person].id;
			const outcomes = [
				await attempt(
					who(person),
					(tx) => tx`
						insert into public.conversation_members (channel_id, user_id) values (${conversationId}, ${id})`,
					{ rollback: false }
				),
				await attempt(
					who(person),
					(tx) => tx`delete from public.conversation_members where channel_id = ${conversationId}`,
					{ rollback: false }
				),
				await attempt(
					who(person),
					(tx) =>
						tx`update public.conversations set member_key = 'x' where channel_id = ${conversationId}`,
					{ rollback: false }
				),
				await attempt(
					who(person),
					(tx) => tx`
						insert into public.channels (name, kind, created_by) values ('direct', 'direct', ${id})`,
					{ rollback: false }
				)
			];
			expect(outcomes).toEqual([
				{ code: '42501' },
				{ code: '42501' },
				{ code: '42501' },
				{ code: '42501' }
			]);
			expect([await snapshot('conversations'), await snapshot('conversation_members')]).toEqual(
				before
			);
		});
	}

	it('lets nobody start a conversation for someone else, nor with people they may not message', async () => {
		const before = await snapshot('conversations');
		// The caller is always a member; naming two others they share nothing with is refused.
		await expect(
			withUser(
				actor(cast.otherLearner),
				(tx) =>
					tx`select private.start_conversation(array[${cast.learner.id}, ${cast.fellow.id}]::uuid[])`
			)
		).rejects.toMatchObject({ code: '42501' });
		await expect(
			withUser(
				null,
				(tx) => tx`select private.start_conversation(array[${cast.learner.id}]::uuid[])`
			)
		).rejects.toMatchObject({ code: '42501' });
		expect(await snapshot('conversations')).toBe(before);
	});

	it('answers who may be messaged for the caller only', async () => {
		const ask = (person: Who) =>
			withUser(
				who(person),
				(tx) => tx<{ ids: string[] }[]>`
					select private.messageable_ids(array[${cast.learner.id}, ${cast.fellow.id}]::uuid[])::text[] as ids`
			);
		expect((await ask('otherLearner'))[0].ids).toEqual([]);
		expect((await ask('leader'))[0].ids).toEqual([cast.learner.id]);
		await expect(ask('anon')).rejects.toMatchObject({ code: '42501' });
	});
});
