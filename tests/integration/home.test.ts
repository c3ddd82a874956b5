import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as announcements from '$lib/server/announcements';
import * as chat from '$lib/server/chat';
import * as groups from '$lib/server/groups';
import * as transfer from '$lib/server/groups/transfer';
import * as home from '$lib/server/home';
import * as requests from '$lib/server/memberships/requests';
import * as progress from '$lib/server/progress';
import { groupCast, type Cast } from './group-cast';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';

// What the home page says is new (issue 14 §2), for each kind of person: counts come through RLS
// as that person, so nobody is told of a message, request or import they could not open.

let cast: Cast;
let course: { id: string; code: string };
let generalG: string;
const summaryOf = (user: TestUser) => home.summary(actor(user));
const stamp = randomUUID().slice(0, 8);

beforeAll(async () => {
	process.env.MEMBERSHIP_SWEEP_MS = '600000';
	cast = await groupCast();
	course = await createCourse(cast.org.id);
	await enrol(course.id, cast.learnerG.id);
	await enrol(course.id, cast.leaderG.id, 'instructor');

	generalG = (await chat.listChannels(actor(cast.leaderG), cast.G.id)).find(
		(channel) => channel.name === 'general'
	)!.id;
	for (const body of [
		`Welcome to the cohort ${stamp}`,
		`@learnerG please read the guide ${stamp}`
	]) {
		await chat.send(actor(cast.leaderG), { channelId: generalG, clientId: randomUUID(), body });
	}
	await announcements.create(actor(cast.leaderG), cast.G.id, {
		title: `Exam dates ${stamp}`,
		body: 'Both sittings are in June.',
		includeSubgroups: true
	});
});

describe('unread messages and mentions', () => {
	it('counts a member’s unread messages and mentions per group and channel, and links to them', async () => {
		const summary = await summaryOf(cast.learnerG);
		const G = summary.groups.find((group) => group.id === cast.G.id)!;
		expect(G).toMatchObject({ unread: 2, mentions: 1, generalId: generalG });
		expect(G.channels).toEqual([{ id: generalG, name: 'general', unread: 2, mentions: 1 }]);
		expect(summary.mentions).toHaveLength(1);
		expect(summary.mentions[0]).toMatchObject({
			channelId: generalG,
			groupId: cast.G.id,
			author: 'leaderG',
			excerpt: `@learnerG please read the guide ${stamp}`
		});
	});

	it('does not count what the person wrote, and clears once they have read', async () => {
		const leader = (await summaryOf(cast.leaderG)).groups.find((group) => group.id === cast.G.id)!;
		expect(leader).toMatchObject({ unread: 0, mentions: 0, channels: [], generalId: generalG });

		const reader = await createUser({ name: 'Reader' });
		await addOrganisationMember(cast.org.id, reader.id);
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${cast.G.id}, ${reader.id})`;
		const [{ lastSeq }] = await ownerDb()<{ lastSeq: number }[]>`
			select last_seq::float8 as "lastSeq" from public.channels where id = ${generalG}`;
		await chat.markRead(actor(reader), { channelId: generalG, seq: lastSeq });
		const read = (await summaryOf(reader)).groups.find((group) => group.id === cast.G.id)!;
		expect(read).toMatchObject({ unread: 0, mentions: 0, channels: [] });
	});

	it('tells a member of another group nothing of this one', async () => {
		const summary = await summaryOf(cast.learnerH);
		expect(summary.groups.map((group) => group.id)).toEqual([cast.H.id]);
		expect(summary.groups[0]).toMatchObject({ unread: 0, mentions: 0 });
		expect(summary.mentions).toEqual([]);
		expect(summary.announcements).toEqual([]);
	});

	it('lists only the groups a person is in, even for an admin who may read every channel', async () => {
		const summary = await summaryOf(cast.orgAdmin);
		expect(summary.groups).toEqual([]);
		expect(summary.mentions).toEqual([]);
	});
});

describe('announcements', () => {
	it('shows recent announcements to the group and, when sent to sub-groups, to their members', async () => {
		const learner = await summaryOf(cast.learnerG);
		expect(learner.announcements).toEqual([
			expect.objectContaining({ title: `Exam dates ${stamp}`, groupId: cast.G.id, seen: false })
		]);
		const subMember = await summaryOf(cast.learnerG1);
		expect(subMember.announcements.map((item) => item.title)).toEqual([`Exam dates ${stamp}`]);
		expect((await summaryOf(cast.learnerH)).announcements).toEqual([]);
	});

	it('leaves out a scheduled announcement until it goes out', async () => {
		await announcements.create(actor(cast.leaderH), cast.H.id, {
			title: `Later ${stamp}`,
			body: 'Not yet.',
			publishAt: new Date(Date.now() + 3_600_000).toISOString()
		});
		expect((await summaryOf(cast.learnerH)).announcements).toEqual([]);
	});
});

describe('activities due or overdue', () => {
	it('lists a learner’s open activities due within a week or overdue, never a restricted one', async () => {
		const day = 86_400_000;
		const at = (offset: number) => new Date(Date.now() + offset).toISOString();
		const instructor = actor(cast.leaderG);
		const overdue = await progress.createActivity(instructor, course.id, {
			title: 'Overdue essay',
			dueAt: at(-2 * day)
		});
		const soon = await progress.createActivity(instructor, course.id, {
			title: 'Quiz this week',
			dueAt: at(3 * day)
		});
		await progress.createActivity(instructor, course.id, {
			title: 'Far away',
			dueAt: at(30 * day)
		});
		await progress.createActivity(instructor, course.id, { title: 'No date' });
		const done = await progress.createActivity(instructor, course.id, {
			title: 'Done already',
			dueAt: at(-day)
		});
		await progress.markComplete(actor(cast.learnerG), done.id);
		const elsewhere = await groups.create(instructor, { courseId: course.id, name: 'Lab B' });
		await progress.createActivity(instructor, course.id, {
			title: 'Lab B only',
			dueAt: at(day),
			restrictedTo: [elsewhere.id]
		});

		const learner = await summaryOf(cast.learnerG);
		expect(learner.activities!.map((item) => [item.id, item.overdue])).toEqual([
			[overdue.id, true],
			[soon.id, false]
		]);
		expect(learner.activities![0]).toMatchObject({ courseId: course.id, courseCode: course.code });
		// Staff teach the course and someone not enrolled learns nothing: no list at all for them.
		expect((await summaryOf(cast.leaderG)).activities).toBeNull();
		expect((await summaryOf(cast.learnerH)).activities).toBeNull();
	});
});

describe('what waits for the people who run groups', () => {
	it('is nothing at all for a learner who runs nothing', async () => {
		expect((await summaryOf(cast.learnerG)).waiting).toBeNull();
		expect((await summaryOf(cast.learnerH)).waiting).toBeNull();
	});

	it('shows pending join requests to the admins and leaders who decide them, nobody else', async () => {
		const club = await groups.create(actor(cast.orgAdmin), {
			organisationId: cast.org.id,
			name: `Debating ${stamp}`,
			membershipMode: 'request',
			visibility: 'scope'
		});
		await requests.ask(actor(cast.learnerH), club.id, { message: 'Please' });
		const forAdmin = (await summaryOf(cast.orgAdmin)).waiting!;
		expect(forAdmin.joinRequests).toEqual([
			expect.objectContaining({ groupId: club.id, groupName: `Debating ${stamp}`, count: 1 })
		]);
		const forPlatform = (await summaryOf(cast.platformAdmin)).waiting!;
		expect(forPlatform.joinRequests.map((row) => row.groupId)).toContain(club.id);
		expect((await summaryOf(cast.otherOrgAdmin)).waiting!.joinRequests).toEqual([]);
		expect((await summaryOf(cast.leaderG)).waiting!.joinRequests).toEqual([]);
		// The asker waits for someone else: their own request is not theirs to decide.
		expect((await summaryOf(cast.learnerH)).waiting).toBeNull();
	});

	it('shows a recent CSV import to those who may read its history', async () => {
		const csv = `group_idnumber,email\nC2026,${cast.outsider.email}\n`;
		const report = await transfer.importMemberships(actor(cast.orgAdmin), cast.org.id, csv, {
			apply: true
		});
		expect(report).toMatchObject({ applied: true, blocked: false });
		const forAdmin = (await summaryOf(cast.orgAdmin)).waiting!;
		expect(forAdmin.imports).toEqual([
			expect.objectContaining({
				actor: 'Org Admin',
				scope: 'organisation',
				label: `${cast.org.name} groups`,
				href: `/organisations/${cast.org.slug}/groups`
			})
		]);
		expect(forAdmin.imports[0].changes).toBeGreaterThanOrEqual(1);
		// The leader of the group it changed sees it in their group's history; other leaders and
		// other organisations' admins do not.
		expect((await summaryOf(cast.leaderG)).waiting!.imports).toHaveLength(1);
		expect((await summaryOf(cast.leaderH)).waiting!.imports).toEqual([]);
		expect((await summaryOf(cast.otherOrgAdmin)).waiting!.imports).toEqual([]);
	});
});
