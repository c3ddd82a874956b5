import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as chat from '$lib/server/chat';
import { readAs } from '$lib/server/db';
import { DomainError } from '$lib/server/errors';
import {
	actor,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';

// Course group channels follow the course's group mode: in `visible` mode a learner reads the
// channels of the course's other non-hidden groups but posts and reacts only in their own.

type Mode = 'none' | 'separate' | 'visible';

let org: { id: string };
let learnerA: TestUser;
let learnerB: TestUser;
let learnerC: TestUser;
let outsider: TestUser;
let instructor: TestUser;

beforeAll(async () => {
	org = await createOrganisation();
	learnerA = await createUser({ name: 'Ada Reader' });
	learnerB = await createUser({ name: 'Bea Member' });
	learnerC = await createUser({ name: 'Cal Unplaced' });
	outsider = await createUser({ name: 'Otto Outsider' });
	instructor = await createUser({ name: 'Ines Instructor' });
});

async function courseGroup(
	courseId: string,
	name: string,
	members: TestUser[],
	visibility = 'members'
) {
	const [group] = await ownerDb()<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name, visibility, messaging_enabled)
		values ('course', ${org.id}, ${courseId}, ${name}, ${visibility}, true) returning id`;
	for (const member of members) {
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${group.id}, ${member.id})`;
	}
	return group.id;
}

/** A course in `mode` with group A (learner A), group B (learner B, with history) and hidden group H (learner B). */
async function course(mode: Mode) {
	const c = await createCourse(org.id);
	await ownerDb()`update public.courses set group_mode = ${mode} where id = ${c.id}`;
	for (const learner of [learnerA, learnerB, learnerC]) await enrol(c.id, learner.id);
	await enrol(c.id, instructor.id, 'instructor');
	const groupA = await courseGroup(c.id, 'Group A', [learnerA]);
	const groupB = await courseGroup(c.id, 'Group B', [learnerB]);
	const hidden = await courseGroup(c.id, 'Hidden', [learnerB], 'hidden');
	const generalOf = async (groupId: string) => {
		const [row] = await ownerDb()<{ id: string }[]>`
			select id from public.channels where group_id = ${groupId} and name = 'general'`;
		return row.id;
	};
	const generalB = await generalOf(groupB);
	const hiddenGeneral = await generalOf(hidden);
	const { message } = await chat.send(actor(learnerB), {
		channelId: generalB,
		clientId: randomUUID(),
		body: `Hello from group B in a ${mode} course`
	});
	return {
		courseId: c.id,
		groupA,
		groupB,
		hidden,
		generalA: await generalOf(groupA),
		generalB,
		hiddenGeneral,
		message
	};
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(DomainError);
	return error as DomainError;
}

describe('visible group mode', () => {
	let setup: Awaited<ReturnType<typeof course>>;
	beforeAll(async () => {
		setup = await course('visible');
	});

	it("lets a learner read another course group's channel list and history", async () => {
		const channels = await chat.listChannels(actor(learnerA), setup.groupB);
		expect(channels.map((c) => c.name)).toEqual(['announcements', 'general']);
		// Read-only: the channel list says so, for chat and announcements alike.
		expect(channels.every((c) => c.canPost === false && c.canModerate === false)).toBe(true);
		expect((await chat.getChannel(actor(learnerA), setup.generalB)).canPost).toBe(false);
		const { messages } = await chat.history(actor(learnerA), { channelId: setup.generalB });
		expect(messages.map((m) => m.body)).toEqual(['Hello from group B in a visible course']);
		const found = await chat.search(actor(learnerA), { channelId: setup.generalB, query: 'hello' });
		expect(found.messages).toHaveLength(1);
	});

	it('still lets members post in their own group', async () => {
		const own = await chat.listChannels(actor(learnerA), setup.groupA);
		expect(own.find((c) => c.name === 'general')?.canPost).toBe(true);
		const mine = await chat.listChannels(actor(learnerB), setup.groupB);
		expect(mine.find((c) => c.name === 'general')?.canPost).toBe(true);
	});

	it('refuses a reader posting, with a clear error, and stores nothing', async () => {
		const error = await refusal(
			chat.send(actor(learnerA), {
				channelId: setup.generalB,
				clientId: randomUUID(),
				body: 'Hi B'
			})
		);
		expect(error.status).toBe(403);
		expect(error.message).toMatch(/read this group.s channels, but post only/);
		const [{ count, lastSeq }] = await ownerDb()<{ count: number; lastSeq: number }[]>`
			select (select count(*)::int from public.messages where channel_id = ${setup.generalB}) as count,
			       (select last_seq::int from public.channels where id = ${setup.generalB}) as "lastSeq"`;
		expect({ count, lastSeq }).toEqual({ count: 1, lastSeq: 1 });
	});

	it('refuses a reader reacting, editing or deleting', async () => {
		const reacted = await refusal(
			chat.react(actor(learnerA), { messageId: setup.message.id, emoji: '👍' })
		);
		expect(reacted.status).toBe(403);
		expect(reacted.message).toMatch(/react only in the groups you belong to/);
		const edited = await refusal(
			chat.edit(actor(learnerA), { messageId: setup.message.id, body: 'changed' })
		);
		expect(edited.status).toBe(403);
		const removed = await refusal(chat.remove(actor(learnerA), { messageId: setup.message.id }));
		expect(removed.status).toBe(403);
		const [row] = await ownerDb()<{ body: string; deletedAt: Date | null; reactions: number }[]>`
			select body, deleted_at as "deletedAt",
			       (select count(*)::int from public.message_reactions where message_id = ${setup.message.id}) as reactions
			from public.messages where id = ${setup.message.id}`;
		expect(row).toEqual({
			body: 'Hello from group B in a visible course',
			deletedAt: null,
			reactions: 0
		});
	});

	it('shows a reader the reactions of members, and lets them mark a channel read', async () => {
		await chat.react(actor(learnerB), { messageId: setup.message.id, emoji: '🎉' });
		const { messages } = await chat.history(actor(learnerA), { channelId: setup.generalB });
		expect(messages[0].reactions.map((r) => [r.emoji, r.count, r.mine])).toEqual([
			['🎉', 1, false]
		]);
		await chat.react(actor(learnerB), { messageId: setup.message.id, emoji: '🎉' });
		expect(await chat.markRead(actor(learnerA), { channelId: setup.generalB, seq: 1 })).toEqual({
			lastReadSeq: 1
		});
	});

	it('does not put a reader in the group room (no live traffic) nor let them be mentioned', async () => {
		const rooms = await readAs(
			actor(learnerA),
			(tx) =>
				tx<
					{ groupIds: string[] }[]
				>`select group_ids::text[] as "groupIds" from private.chat_rooms()`
		);
		expect(rooms[0].groupIds).toContain(setup.groupA);
		expect(rooms[0].groupIds).not.toContain(setup.groupB);
		const { mentioned } = await chat.send(actor(learnerB), {
			channelId: setup.generalB,
			clientId: randomUUID(),
			body: '@Ada Reader are you there?'
		});
		expect(mentioned).toEqual([]);
	});

	it('keeps hidden groups out of reach', async () => {
		expect(await chat.listChannels(actor(learnerA), setup.hidden)).toEqual([]);
		const error = await refusal(chat.history(actor(learnerA), { channelId: setup.hiddenGeneral }));
		expect(error.status).toBe(404);
		const sent = await refusal(
			chat.send(actor(learnerA), {
				channelId: setup.hiddenGeneral,
				clientId: randomUUID(),
				body: 'x'
			})
		);
		expect(sent.status).toBe(404);
	});

	it('lets a learner in no group read but not post', async () => {
		const { messages } = await chat.history(actor(learnerC), { channelId: setup.generalB });
		expect(messages.length).toBeGreaterThan(0);
		const error = await refusal(
			chat.send(actor(learnerC), { channelId: setup.generalB, clientId: randomUUID(), body: 'x' })
		);
		expect(error.status).toBe(403);
	});

	it('gives nothing to someone not enrolled, or whose enrolment is suspended', async () => {
		expect(await chat.listChannels(actor(outsider), setup.groupB)).toEqual([]);
		expect(
			(await refusal(chat.history(actor(outsider), { channelId: setup.generalB }))).status
		).toBe(404);
		const sent = await refusal(
			chat.send(actor(outsider), { channelId: setup.generalB, clientId: randomUUID(), body: 'x' })
		);
		expect(sent.status).toBe(404);
		await ownerDb()`
			update public.enrolments set status = 'suspended' where course_id = ${setup.courseId} and user_id = ${learnerC.id}`;
		try {
			expect(await chat.listChannels(actor(learnerC), setup.groupB)).toEqual([]);
			expect(
				(await refusal(chat.history(actor(learnerC), { channelId: setup.generalB }))).status
			).toBe(404);
		} finally {
			await ownerDb()`
				update public.enrolments set status = 'active' where course_id = ${setup.courseId} and user_id = ${learnerC.id}`;
		}
	});

	it('leaves staff as they were', async () => {
		const channels = await chat.listChannels(actor(instructor), setup.groupB);
		expect(channels.find((c) => c.name === 'general')?.canPost).toBe(true);
		await chat.send(actor(instructor), {
			channelId: setup.generalB,
			clientId: randomUUID(),
			body: 'Staff post'
		});
	});
});

describe.each(['separate', 'none'] as const)('%s group mode', (mode) => {
	let setup: Awaited<ReturnType<typeof course>>;
	beforeAll(async () => {
		setup = await course(mode);
	});

	it("keeps another group's channels closed to a learner", async () => {
		expect(await chat.listChannels(actor(learnerA), setup.groupB)).toEqual([]);
		expect(
			(await refusal(chat.history(actor(learnerA), { channelId: setup.generalB }))).status
		).toBe(404);
		const sent = await refusal(
			chat.send(actor(learnerA), { channelId: setup.generalB, clientId: randomUUID(), body: 'x' })
		);
		expect(sent.status).toBe(404);
		const reacted = await refusal(
			chat.react(actor(learnerA), { messageId: setup.message.id, emoji: '👍' })
		);
		expect(reacted.status).toBe(404);
	});

	it('lets members read and post in their own group', async () => {
		const own = await chat.listChannels(actor(learnerA), setup.groupA);
		expect(own.find((c) => c.name === 'general')?.canPost).toBe(true);
		const { messages } = await chat.history(actor(learnerB), { channelId: setup.generalB });
		expect(messages).toHaveLength(1);
	});
});
