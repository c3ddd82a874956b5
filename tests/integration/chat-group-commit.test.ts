import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as chat from '$lib/server/chat';
import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import { DomainError } from '$lib/server/errors';
import { actor, addOrganisationMember, createOrganisation, createUser, ownerDb } from './helpers';
import type { TestUser } from './helpers';

// Plain sends that arrive together are written together (chat/group-commit.ts): fewer
// transactions than messages, every guarantee of a single send kept.
let admin: TestUser;
let members: TestUser[];
let outsider: TestUser;
let channelId: string;
let otherChannelId: string;

beforeAll(async () => {
	const org = await createOrganisation();
	admin = await createUser({ name: 'Batch Admin' });
	await addOrganisationMember(org.id, admin.id, 'admin');
	members = [];
	for (let i = 0; i < 20; i++) {
		members.push(await createUser({ name: `Batch ${i}`, memberOf: org.id }));
	}
	outsider = await createUser({ name: 'Batch Outsider', memberOf: org.id });
	const [one, two] = [
		await groups.create(actor(admin), { organisationId: org.id, name: 'Batch room' }),
		await groups.create(actor(admin), { organisationId: org.id, name: 'Batch room 2' })
	];
	await memberships.add(actor(admin), one.id, { userIds: members.map((m) => m.id) });
	await memberships.add(actor(admin), two.id, { userIds: members.map((m) => m.id) });
	channelId = (await chat.listChannels(actor(admin), one.id)).find((c) => c.name === 'general')!.id;
	otherChannelId = (await chat.listChannels(actor(admin), two.id)).find(
		(c) => c.name === 'general'
	)!.id;
});

async function stored(channel: string) {
	return ownerDb()<{ seq: number; client_id: string; author_id: string; xmin: string }[]>`
		select seq::int, client_id, author_id, xmin::text from public.messages
		where channel_id = ${channel} order by seq`;
}

describe('group commit of chat sends', () => {
	it('writes sends that arrive together in fewer transactions, in order, each under its author', async () => {
		const before = (await stored(channelId)).length;
		const sends = members.map((member, i) => ({
			member,
			clientId: randomUUID(),
			channel: i % 2 === 0 ? channelId : otherChannelId
		}));
		const answers = await Promise.all(
			sends.map(({ member, clientId, channel }) =>
				chat.send(actor(member), { channelId: channel, clientId, body: `batched ${clientId}` })
			)
		);
		expect(answers.every((a) => a.created)).toBe(true);
		const rows = (await stored(channelId)).slice(before);
		const mine = sends.filter((s) => s.channel === channelId);
		expect(rows.map((r) => r.client_id).sort()).toEqual(mine.map((s) => s.clientId).sort());
		// Each message is its author's (the claims were switched per insert, not the first one's).
		for (const row of rows) {
			expect(row.author_id).toBe(mine.find((s) => s.clientId === row.client_id)!.member.id);
		}
		// Seq without gaps, and the acks carry what was stored.
		expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => rows[0].seq + i));
		for (const answer of answers) {
			const row = rows.find((r) => r.client_id === answer.message.clientId);
			if (row) expect(answer.message.seq).toBe(row.seq);
		}
		// Fewer transactions than messages: sends that waited for the first went in together.
		const transactions = new Set([...rows, ...(await stored(otherChannelId))].map((r) => r.xmin));
		expect(transactions.size).toBeLessThan(sends.length);
	});

	it('refuses only the send that may not be made, and keeps the others of its batch', async () => {
		const good = members.slice(0, 5).map((member) => ({ member, clientId: randomUUID() }));
		const results = await Promise.allSettled([
			...good.map(({ member, clientId }) =>
				chat.send(actor(member), { channelId, clientId, body: 'kept' })
			),
			chat.send(actor(outsider), { channelId, clientId: randomUUID(), body: 'not a member' })
		]);
		expect(results.slice(0, 5).every((r) => r.status === 'fulfilled')).toBe(true);
		const refused = results[5];
		expect(refused.status).toBe('rejected');
		expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(DomainError);
		const rows = await stored(channelId);
		for (const { clientId } of good) {
			expect(rows.filter((r) => r.client_id === clientId)).toHaveLength(1);
		}
		expect(rows.some((r) => r.author_id === outsider.id)).toBe(false);
	});

	it('stores a client id sent twice in one batch once, and answers both with it', async () => {
		const clientId = randomUUID();
		const [first, second] = await Promise.all([
			chat.send(actor(members[0]), { channelId, clientId, body: 'twice' }),
			chat.send(actor(members[0]), { channelId, clientId, body: 'twice' })
		]);
		expect(first.message.id).toBe(second.message.id);
		expect([first.created, second.created].sort()).toEqual([false, true]);
		expect((await stored(channelId)).filter((r) => r.client_id === clientId)).toHaveLength(1);
	});
});
