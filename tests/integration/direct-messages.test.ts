import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as chat from '$lib/server/chat';
import { withUser } from '$lib/server/db';
import * as directMessages from '$lib/server/direct-messages';
import * as organisations from '$lib/server/organisations';
import {
	actor,
	addOrganisationMember,
	createUser,
	enrol,
	foundationCast,
	ownerDb,
	type TestUser
} from './helpers';

// Who may message whom (the database's rule), the per-organisation learner-to-learner switch, the
// size limit, reuse of an existing conversation, exactly-once sends and who is notified.

type Cast = Awaited<ReturnType<typeof foundationCast>> & {
	leader: TestUser;
	subMember: TestUser;
	groupPeer: TestUser;
	hiddenPeer: TestUser;
	classmates: TestUser[];
};
let cast: Cast;

beforeAll(async () => {
	const base = await foundationCast();
	const leader = await createUser({ name: 'Lena Leader', memberOf: base.org.id });
	const subMember = await createUser({ name: 'Sub Member', memberOf: base.org.id });
	const groupPeer = await createUser({ name: 'Group Peer', memberOf: base.org.id });
	const hiddenPeer = await createUser({ name: 'Hidden Peer', memberOf: base.org.id });
	await addOrganisationMember(base.org.id, base.otherLearner.id);
	await addOrganisationMember(base.org.id, base.learner.id);
	const [circle] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, name, visibility)
		values ('organisation', ${base.org.id}, 'Study circle', 'members') returning id`;
	const [sub] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, parent_id, name, visibility)
		values ('organisation', ${base.org.id}, ${circle.id}, 'Circle A', 'members') returning id`;
	const [hidden] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, name, visibility)
		values ('organisation', ${base.org.id}, 'Staff watch list', 'hidden') returning id`;
	await ownerDb()`
		insert into public.group_members (group_id, user_id, role) values
		  (${circle.id}, ${leader.id}, 'leader'), (${sub.id}, ${subMember.id}, 'member'),
		  (${circle.id}, ${groupPeer.id}, 'member'), (${circle.id}, ${base.otherLearner.id}, 'member'),
		  (${hidden.id}, ${hiddenPeer.id}, 'member'), (${hidden.id}, ${base.learner.id}, 'member')`;
	const classmates: TestUser[] = [];
	for (let i = 0; i < 6; i += 1) {
		const person = await createUser({ name: `Classmate ${i}` });
		await enrol(base.course.id, person.id);
		classmates.push(person);
	}
	cast = { ...base, leader, subMember, groupPeer, hiddenPeer, classmates };
});

async function setSwitch(on: boolean) {
	await ownerDb()`update public.organisations set learners_message_learners = ${on} where id = ${cast.org.id}`;
}

async function startAs(from: TestUser, ...people: TestUser[]) {
	return directMessages.start(actor(from), { userIds: people.map((person) => person.id) });
}

function refusal(promise: Promise<unknown>) {
	return expect(promise).rejects.toMatchObject({ status: 403, code: 'forbidden' });
}

describe('who may message whom', () => {
	it('lets two learners of the same course talk, and the same people again reopen it', async () => {
		const first = await startAs(cast.learner, cast.fellow);
		expect(first.created).toBe(true);
		const again = await startAs(cast.fellow, cast.learner);
		expect(again).toEqual({ id: first.id, created: false });
		const [{ count }] = await ownerDb()<{ count: number }[]>`
			select count(*)::int as count from public.conversation_members where channel_id = ${first.id}`;
		expect(count).toBe(2);
	});

	it('lets course staff and their participants message each other, both ways', async () => {
		const byStaff = await startAs(cast.instructor, cast.learner);
		expect((await startAs(cast.learner, cast.instructor)).id).toBe(byStaff.id);
		await startAs(cast.assistant, cast.fellow);
	});

	it('lets a leader message someone in a sub-group of the group they lead, and back', async () => {
		const opened = await startAs(cast.leader, cast.subMember);
		expect((await startAs(cast.subMember, cast.leader)).id).toBe(opened.id);
	});

	it('lets an organisation admin message its people', async () => {
		await startAs(cast.orgAdmin, cast.otherLearner);
	});

	it('refuses people who share nothing, across courses and organisations', async () => {
		await refusal(startAs(cast.learner, cast.foreignLearner));
		await refusal(startAs(cast.foreignLearner, cast.learner));
		await refusal(startAs(cast.stranger, cast.learner));
		await refusal(startAs(cast.otherOrgAdmin, cast.learner));
		// Another course of the same organisation is not a shared course.
		await refusal(startAs(cast.fellow, cast.otherLearner));
	});

	it('does not count a hidden group as shared between its plain members', async () => {
		await refusal(startAs(cast.learner, cast.hiddenPeer));
	});

	it('refuses a suspended participant and a disabled account', async () => {
		await refusal(startAs(cast.learner, cast.suspended));
		const leaving = await createUser({ name: 'Leaving Learner' });
		await enrol(cast.course.id, leaving.id);
		await startAs(cast.learner, leaving);
		await ownerDb()`update public.users set disabled_at = now() where id = ${leaving.id}`;
		await refusal(startAs(cast.fellow, leaving));
	});

	it('refuses the whole conversation when one of the people is out of reach, naming nobody', async () => {
		const attempt = startAs(cast.learner, cast.fellow, cast.foreignLearner);
		await expect(attempt).rejects.toMatchObject({ status: 403 });
		await expect(attempt).rejects.not.toHaveProperty('message', expect.stringContaining('Foreign'));
	});

	it('answers the Message buttons from the same rule', async () => {
		const allowed = await directMessages.messageable(actor(cast.learner), [
			cast.fellow.id,
			cast.instructor.id,
			cast.foreignLearner.id,
			cast.learner.id,
			'not-an-id'
		]);
		expect([...allowed].sort()).toEqual([cast.fellow.id, cast.instructor.id].sort());
	});
});

describe("an organisation's learner-to-learner switch", () => {
	it('stops learners starting and continuing conversations with learners, never staff or leaders', async () => {
		const { id } = await startAs(cast.learner, cast.fellow);
		const group = await startAs(cast.groupPeer, cast.otherLearner);
		await organisations.setMessaging(actor(cast.orgAdmin), cast.org.id, {
			learnersMessageLearners: false
		});
		try {
			await refusal(startAs(cast.learner, cast.fellow));
			await refusal(startAs(cast.otherLearner, cast.groupPeer));
			await expect(
				chat.send(actor(cast.learner), {
					channelId: id,
					clientId: randomUUID(),
					body: 'Still there?'
				})
			).rejects.toMatchObject({ status: 403, message: expect.stringContaining('no longer') });
			await expect(
				chat.send(actor(cast.groupPeer), {
					channelId: group.id,
					clientId: randomUUID(),
					body: 'Hello?'
				})
			).rejects.toMatchObject({ status: 403 });
			// Staff, leaders and admins are unaffected.
			await startAs(cast.instructor, cast.learner);
			await startAs(cast.learner, cast.instructor);
			await startAs(cast.leader, cast.groupPeer);
			await startAs(cast.orgAdmin, cast.learner);
			const listed = await directMessages.list(actor(cast.learner));
			expect(listed.find((row) => row.id === id)?.canPost).toBe(false);
		} finally {
			await setSwitch(true);
		}
		const sent = await chat.send(actor(cast.learner), {
			channelId: id,
			clientId: randomUUID(),
			body: 'Back on'
		});
		expect(sent.created).toBe(true);
	});

	it('is changed by organisation admins only', async () => {
		for (const who of [cast.learner, cast.instructor, cast.otherOrgAdmin]) {
			await expect(
				organisations.setMessaging(actor(who), cast.org.id, { learnersMessageLearners: false })
			).rejects.toMatchObject({ status: expect.any(Number) });
		}
		const [{ on }] = await ownerDb()<{ on: boolean }[]>`
			select learners_message_learners as on from public.organisations where id = ${cast.org.id}`;
		expect(on).toBe(true);
		// Straight at the database, a learner's update matches no row.
		const updated = await withUser(
			actor(cast.learner),
			(tx) =>
				tx`update public.organisations set learners_message_learners = false where id = ${cast.org.id}`
		);
		expect(updated.count).toBe(0);
	});
});

describe('the size of a conversation', () => {
	it('takes up to 8 people, the starter included', async () => {
		const seven = [cast.fellow, cast.instructor, cast.assistant, ...cast.classmates.slice(0, 4)];
		const opened = await startAs(cast.learner, ...seven);
		const [{ count }] = await ownerDb()<{ count: number }[]>`
			select count(*)::int as count from public.conversation_members where channel_id = ${opened.id}`;
		expect(count).toBe(8);
		// The same eight, started by another of them in another order, reopen it.
		const others = [cast.learner, ...seven.filter((p) => p.id !== cast.classmates[0].id)].reverse();
		expect((await startAs(cast.classmates[0], ...others)).id).toBe(opened.id);
		// A person named twice counts once.
		const pair = await startAs(cast.fellow, cast.classmates[5], cast.classmates[5]);
		expect((await startAs(cast.classmates[5], cast.fellow)).id).toBe(pair.id);
	});

	it('refuses 9 people through the app and straight at the database', async () => {
		const eight = [cast.fellow, cast.instructor, cast.assistant, ...cast.classmates.slice(0, 5)];
		await expect(startAs(cast.learner, ...eight)).rejects.toMatchObject({
			status: 400,
			message: expect.stringContaining('at most 8')
		});
		await expect(
			withUser(
				actor(cast.learner),
				(tx) => tx`select private.start_conversation(${eight.map((p) => p.id)}::uuid[])`
			)
		).rejects.toMatchObject({ code: '22023' });
	});

	it('refuses a conversation with nobody else', async () => {
		await expect(startAs(cast.learner)).rejects.toMatchObject({ status: 400 });
		await expect(startAs(cast.learner, cast.learner)).rejects.toMatchObject({ status: 400 });
	});
});

describe('bad input', () => {
	it('names an unknown field, a bad id and a wrong type', async () => {
		await expect(
			directMessages.start(actor(cast.learner), { userIds: [cast.fellow.id], subject: 'x' })
		).rejects.toMatchObject({ status: 400, message: expect.stringContaining('subject') });
		await expect(
			directMessages.start(actor(cast.learner), { userIds: ['nope'] })
		).rejects.toMatchObject({ status: 400 });
		await expect(
			directMessages.start(actor(cast.learner), { userIds: cast.fellow.id })
		).rejects.toMatchObject({ status: 400 });
		await expect(directMessages.start(actor(cast.learner), null)).rejects.toMatchObject({
			status: 400
		});
	});

	it('refuses empty, invisible-only and huge messages, and unknown fields', async () => {
		const { id } = await startAs(cast.learner, cast.fellow);
		for (const body of [
			'',
			'   \n\t',
			'\u200b\u200b',
			'\u2060\ufeff\u200d',
			'\u3164',
			'x'.repeat(4001)
		]) {
			await expect(
				directMessages.send(actor(cast.learner), id, { clientId: randomUUID(), body })
			).rejects.toMatchObject({ status: 400 });
		}
		// An attachment that is no file of this conversation, and a field nobody knows.
		await expect(
			directMessages.send(actor(cast.learner), id, {
				clientId: randomUUID(),
				body: 'Hi',
				attachmentId: randomUUID()
			})
		).rejects.toMatchObject({ status: 400, message: expect.stringContaining('conversation') });
		await expect(
			directMessages.send(actor(cast.learner), id, {
				clientId: randomUUID(),
				body: 'Hi',
				colour: 'red'
			})
		).rejects.toMatchObject({ status: 400, message: expect.stringContaining('colour') });
		// Emoji and accents are words too.
		const ok = await directMessages.send(actor(cast.learner), id, {
			clientId: randomUUID(),
			body: '👋 Ça va ?'
		});
		expect(ok.message.body).toBe('👋 Ça va ?');
	});

	it('answers an outsider or a bad id as not found', async () => {
		const { id } = await startAs(cast.learner, cast.fellow);
		for (const [who, target] of [
			[cast.otherLearner, id],
			[cast.learner, randomUUID()],
			[cast.learner, 'nope']
		] as const) {
			await expect(directMessages.history(actor(who), target, {})).rejects.toMatchObject({
				status: 404
			});
			await expect(
				directMessages.send(actor(who), target, { clientId: randomUUID(), body: 'Hi' })
			).rejects.toMatchObject({ status: 404 });
		}
	});
});

describe('chatting in a conversation', () => {
	it('sends once per client id, edits, reacts, deletes and counts unread like a channel', async () => {
		const { id } = await startAs(cast.instructor, cast.fellow);
		const clientId = randomUUID();
		const first = await directMessages.send(actor(cast.instructor), id, {
			clientId,
			body: 'See me after class'
		});
		const retry = await directMessages.send(actor(cast.instructor), id, {
			clientId,
			body: 'See me after class'
		});
		expect(retry).toMatchObject({ created: false, message: { id: first.message.id } });
		expect(first.message.groupId).toBeNull();

		let [mine] = (await directMessages.list(actor(cast.fellow))).filter((row) => row.id === id);
		expect(mine).toMatchObject({ unread: 1, canPost: true, lastSeq: 1 });
		expect(mine.people).toEqual([{ id: cast.instructor.id, displayName: 'Instructor' }]);
		expect(await directMessages.unreadCount(actor(cast.fellow))).toBeGreaterThanOrEqual(1);

		const edited = await chat.edit(actor(cast.instructor), {
			messageId: first.message.id,
			body: 'See me after class, please'
		});
		expect(edited.editedAt).not.toBeNull();
		await expect(
			chat.edit(actor(cast.fellow), { messageId: first.message.id, body: 'Hijack' })
		).rejects.toMatchObject({ status: 403 });
		const reacted = await chat.react(actor(cast.fellow), {
			messageId: first.message.id,
			emoji: '👍'
		});
		expect(reacted.reactions).toMatchObject([{ emoji: '👍', count: 1, mine: true }]);
		await expect(
			chat.react(actor(cast.otherLearner), { messageId: first.message.id, emoji: '👍' })
		).rejects.toMatchObject({ status: 404 });

		const caught = await chat.catchup(actor(cast.fellow), {
			channelId: id,
			afterSeq: 0,
			afterChange: 0
		});
		expect(caught.messages.map((m) => m.body)).toEqual(['See me after class, please']);

		await chat.markRead(actor(cast.fellow), { channelId: id, seq: 1 });
		[mine] = (await directMessages.list(actor(cast.fellow))).filter((row) => row.id === id);
		expect(mine.unread).toBe(0);

		await expect(
			chat.remove(actor(cast.fellow), { messageId: first.message.id })
		).rejects.toMatchObject({
			status: 403
		});
		await chat.remove(actor(cast.instructor), { messageId: first.message.id });
		const page = await directMessages.history(actor(cast.fellow), id, {});
		expect(page.messages[0].deletedAt).not.toBeNull();
	});
});

describe('notifications', () => {
	it('tells every other person once per message, and nobody else', async () => {
		const { id } = await startAs(cast.learner, cast.fellow, cast.instructor);
		const clientId = randomUUID();
		const sent = await directMessages.send(actor(cast.learner), id, {
			clientId,
			body: 'Group hello'
		});
		await directMessages.send(actor(cast.learner), id, { clientId, body: 'Group hello' });
		const rows = await ownerDb()<{ user_id: string; link: string; title: string }[]>`
			select user_id, link, title from public.notifications
			where kind = 'direct_message' and subject_id = ${sent.message.id}`;
		expect(rows.map((row) => row.user_id).sort()).toEqual(
			[cast.fellow.id, cast.instructor.id].sort()
		);
		expect(rows[0]).toMatchObject({ link: `/messages/${id}`, title: 'Learner sent you a message' });
	});

	it('follows the preference: off means no notification', async () => {
		const { id } = await startAs(cast.assistant, cast.learner);
		await ownerDb()`
			insert into public.notification_preferences (user_id, kind, delivery)
			values (${cast.learner.id}, 'direct_message', 'off')`;
		try {
			const sent = await directMessages.send(actor(cast.assistant), id, {
				clientId: randomUUID(),
				body: 'Quiet'
			});
			const rows = await ownerDb()`
				select 1 from public.notifications where subject_id = ${sent.message.id}`;
			expect(rows.length).toBe(0);
		} finally {
			await ownerDb()`
				delete from public.notification_preferences where user_id = ${cast.learner.id} and kind = 'direct_message'`;
		}
	});
});
