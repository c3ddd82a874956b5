import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as announcements from '$lib/server/announcements';
import { resetTransport } from '$lib/server/email';
import { startJobs, stopJobs } from '$lib/server/background';
import { groupCast, type Cast } from './group-cast';
import { actor, createUser, ownerDb } from './helpers';
import { startSink, unfold } from './smtp-sink';

let cast: Cast;
let sink: Awaited<ReturnType<typeof startSink>>;

async function waitFor<T>(
	probe: () => Promise<T | undefined> | T | undefined,
	timeoutMs = 20_000
): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > until) throw new Error('timed out waiting');
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

const inboxFor = (email: string, subject: string) =>
	sink.inbox.filter((mail) => mail.to.includes(email) && unfold(mail.raw).includes(subject));

beforeAll(async () => {
	sink = await startSink();
	process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
	process.env.MEMBERSHIP_SWEEP_MS = '600000';
	resetTransport();
	cast = await groupCast();
	await startJobs();
});

afterAll(async () => {
	await stopJobs();
	delete process.env.SMTP_URL;
	resetTransport();
	await sink.close();
});

describe('posting', () => {
	it('lets the leader of a group post, shows it to its members and sub-group members, and emails them', async () => {
		const posted = await announcements.create(
			actor(cast.leaderG),
			cast.G.id,
			{ title: 'Welcome <everyone>', body: 'First session on Monday.\nBring a laptop.' },
			'app',
			{ origin: 'https://tessera.example' }
		);
		expect(posted).toMatchObject({
			groupId: cast.G.id,
			title: 'Welcome <everyone>',
			author: { id: cast.leaderG.id, displayName: 'leaderG' },
			includeSubgroups: false,
			pinned: false,
			scheduled: false,
			canManage: true
		});
		const feed = await announcements.list(actor(cast.learnerG), cast.G.id);
		expect(feed.items.map((item) => item.id)).toContain(posted.id);
		expect(feed.canPost).toBe(false);
		// A member of G.1 is a member of G: G's feed has it too.
		const subFeed = await announcements.list(actor(cast.learnerG1), cast.G.id);
		expect(subFeed.items.map((item) => item.id)).toContain(posted.id);
		// Without "sub-groups too" it is not in G.1's own feed, and is emailed to G's direct members.
		const g1Feed = await announcements.list(actor(cast.learnerG1), cast.G1.id);
		expect(g1Feed.items.map((item) => item.id)).not.toContain(posted.id);
		await waitFor(() => (inboxFor(cast.learnerG.email, 'Welcome').length ? true : undefined));
		const [mail] = inboxFor(cast.learnerG.email, 'Welcome');
		const text = unfold(mail.raw);
		expect(text).toContain(`https://tessera.example/groups/${cast.G.id}/announcements`);
		expect(text).not.toContain('<h2>Welcome <everyone></h2>');
		expect(text).toContain('Welcome &lt;everyone&gt;');
		// The author gets no copy; nor do members of sub-groups, for a group-only announcement.
		expect(inboxFor(cast.leaderG.email, 'Welcome')).toEqual([]);
		expect(inboxFor(cast.learnerG1.email, 'Welcome')).toEqual([]);
		const [row] =
			await ownerDb()`select published_at from public.announcements where id = ${posted.id}`;
		expect(row.published_at).toBeInstanceOf(Date);
	});

	it('reaches every sub-group, in their feeds and by email, when posted to sub-groups too, except people who turned email off', async () => {
		await ownerDb()`update public.users set email_announcements = false where id = ${cast.learnerG1a.id}`;
		const posted = await announcements.create(actor(cast.orgAdmin), cast.G.id, {
			title: 'Exam timetable',
			body: 'See the attached plan.',
			includeSubgroups: true
		});
		for (const [who, group] of [
			[cast.learnerG1, cast.G1],
			[cast.learnerG1a, cast.G1a],
			[cast.leaderG1, cast.G1]
		] as const) {
			const feed = await announcements.list(actor(who), group.id);
			const item = feed.items.find((entry) => entry.id === posted.id);
			expect(item).toMatchObject({ fromAncestor: true });
		}
		// A run of the fan-out alongside the job's (a retried job) emails nobody twice.
		await announcements.emailAudience({ announcementId: posted.id });
		await waitFor(() =>
			inboxFor(cast.learnerG1.email, 'Exam timetable').length ? true : undefined
		);
		await waitFor(() =>
			inboxFor(cast.leaderG1.email, 'Exam timetable').length ? true : undefined
		);
		await waitFor(async () => {
			const [row] = await ownerDb()`
				select count(*)::int as n from public.announcement_deliveries where announcement_id = ${posted.id}`;
			return row.n === 4 ? true : undefined;
		});
		expect(await announcements.emailAudience({ announcementId: posted.id })).toBe(0);
		await new Promise((resolve) => setTimeout(resolve, 500));
		for (const who of [cast.learnerG, cast.learnerG1, cast.leaderG, cast.leaderG1]) {
			expect(inboxFor(who.email, 'Exam timetable')).toHaveLength(1);
		}
		expect(inboxFor(cast.learnerG1a.email, 'Exam timetable')).toEqual([]);
		expect(inboxFor(cast.learnerH.email, 'Exam timetable')).toEqual([]);
		expect(inboxFor(cast.orgAdmin.email, 'Exam timetable')).toEqual([]);
	});

	it('emails the audience it had when published, not someone who joined before a late fan-out ran', async () => {
		const posted = await announcements.create(actor(cast.leaderH), cast.H.id, {
			title: 'Late fan-out',
			body: 'For the members of today.'
		});
		const latecomer = await createUser({ name: 'Latecomer Lee' });
		await ownerDb()`
			insert into public.group_members (group_id, user_id, role, source)
			values (${cast.H.id}, ${latecomer.id}, 'member', 'manual')`;
		// The job's run and this one: either may come after the latecomer joined.
		await announcements.emailAudience({ announcementId: posted.id });
		await waitFor(() => (inboxFor(cast.learnerH.email, 'Late fan-out').length ? true : undefined));
		expect(await announcements.emailAudience({ announcementId: posted.id })).toBe(0);
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(inboxFor(latecomer.email, 'Late fan-out')).toEqual([]);
	});

	it('lets only admins and permitted leaders post, and refuses bad input, storing nothing', async () => {
		const count = async () =>
			(await ownerDb()`select count(*)::int as n from public.announcements`)[0].n;
		const before = await count();
		for (const who of [
			cast.learnerG,
			cast.learnerG1,
			cast.leaderH,
			cast.leaderG1,
			cast.outsider,
			cast.otherOrgAdmin
		]) {
			await expect(
				announcements.create(actor(who), cast.G.id, { title: 'Hi', body: 'Hello' })
			).rejects.toMatchObject({ status: 404 });
		}
		await expect(
			announcements.create(null, cast.G.id, { title: 'Hi', body: 'Hello' })
		).rejects.toMatchObject({
			status: 404
		});
		for (const input of [
			{ title: '', body: 'x' },
			{ title: 'x', body: '   ' },
			{ title: 'x'.repeat(201), body: 'x' },
			{ title: 'x', body: 'x'.repeat(10_001) },
			{ title: 'x', body: 'x', publishAt: 'next tuesday' },
			{ title: 'x', body: 'x', publishAt: '2020-01-01T00:00:00Z' },
			{ title: 'x', body: 'x', publishAt: '2099-01-01T00:00:00Z' },
			{ title: 'x', body: 'x', includeSubgroups: 'maybe' },
			{ title: 'x\u0000', body: 'x' }
		]) {
			await expect(
				announcements.create(actor(cast.leaderG), cast.G.id, input)
			).rejects.toMatchObject({
				status: 400
			});
		}
		// A group that takes its leaders' announcement power away.
		await ownerDb()`update public.groups set leaders_post_announcements = false where id = ${cast.H.id}`;
		await expect(
			announcements.create(actor(cast.leaderH), cast.H.id, { title: 'Hi', body: 'Hello' })
		).rejects.toMatchObject({ status: 404 });
		await ownerDb()`update public.groups set leaders_post_announcements = true where id = ${cast.H.id}`;
		expect(await count()).toBe(before);
	});
});

describe('scheduling and pinning', () => {
	it('keeps a scheduled announcement from members until its time, then publishes it by a job', async () => {
		const at = new Date(Date.now() + 2500);
		const posted = await announcements.create(actor(cast.leaderH), cast.H.id, {
			title: 'Later news',
			body: 'Soon.',
			publishAt: at.toISOString()
		});
		expect(posted.scheduled).toBe(true);
		expect(
			(await announcements.list(actor(cast.leaderH), cast.H.id)).items.map((i) => i.id)
		).toContain(posted.id);
		expect(
			(await announcements.list(actor(cast.learnerH), cast.H.id)).items.map((i) => i.id)
		).not.toContain(posted.id);
		await expect(announcements.markSeen(actor(cast.learnerH), [posted.id])).resolves.toEqual({
			marked: 0
		});
		await waitFor(async () => {
			const [row] =
				await ownerDb()`select published_at from public.announcements where id = ${posted.id}`;
			return row.published_at ?? undefined;
		});
		expect(
			(await announcements.list(actor(cast.learnerH), cast.H.id)).items.map((i) => i.id)
		).toContain(posted.id);
		await waitFor(() => (inboxFor(cast.learnerH.email, 'Later news').length ? true : undefined));
	});

	it('publishes an overdue announcement whose job went missing, once', async () => {
		const [row] = await ownerDb()<{ id: string }[]>`
			insert into public.announcements (group_id, author_id, title, body, publish_at)
			values (${cast.H.id}, ${cast.leaderH.id}, 'Lost job', 'Still arrives.', now() - interval '5 minutes')
			returning id`;
		expect(await announcements.publishOverdue()).toBeGreaterThanOrEqual(1);
		const [published] =
			await ownerDb()`select published_at from public.announcements where id = ${row.id}`;
		expect(published.published_at).toBeInstanceOf(Date);
		await waitFor(() => (inboxFor(cast.learnerH.email, 'Lost job').length ? true : undefined));
		await announcements.publish({ announcementId: row.id });
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(inboxFor(cast.learnerH.email, 'Lost job')).toHaveLength(1);
	});

	it('puts pinned announcements first and lets permitted people pin, unpin and delete', async () => {
		const group = cast.G1.id;
		const first = await announcements.create(actor(cast.leaderG1), group, {
			title: 'Old but pinned',
			body: 'x',
			pinned: true
		});
		const second = await announcements.create(actor(cast.leaderG1), group, {
			title: 'Newer',
			body: 'y'
		});
		const feed = await announcements.list(actor(cast.learnerG1), group);
		expect(feed.items.slice(0, 2).map((item) => item.id)).toEqual([first.id, second.id]);
		await expect(
			announcements.setPinned(actor(cast.learnerG1), second.id, { pinned: true })
		).rejects.toMatchObject({
			status: 404
		});
		await announcements.setPinned(actor(cast.leaderG), second.id, { pinned: true });
		await announcements.setPinned(actor(cast.leaderG1), first.id, { pinned: false });
		const after = await announcements.list(actor(cast.learnerG1), group);
		expect(after.items[0].id).toBe(second.id);
		await expect(announcements.remove(actor(cast.learnerG1), first.id)).rejects.toMatchObject({
			status: 404
		});
		await expect(announcements.remove(actor(cast.leaderH), first.id)).rejects.toMatchObject({
			status: 404
		});
		await announcements.remove(actor(cast.leaderG1), first.id);
		await expect(announcements.get(actor(cast.learnerG1), first.id)).rejects.toMatchObject({
			status: 404
		});
	});

	it('lets permitted people edit one that has gone out, which members then see marked edited', async () => {
		const posted = await announcements.create(actor(cast.leaderH), cast.H.id, {
			title: 'Trip on Friday',
			body: 'Meet at **9:00** by the gate.'
		});
		expect(posted.editedAt).toBeNull();
		for (const outsider of [cast.learnerH, cast.leaderG, cast.learnerG]) {
			await expect(
				announcements.edit(actor(outsider), posted.id, { body: 'Cancelled.' })
			).rejects.toMatchObject({ status: 404 });
		}
		const edited = await announcements.edit(actor(cast.leaderH), posted.id, {
			body: 'Meet at **8:30** by the gate.'
		});
		expect(edited).toMatchObject({
			title: 'Trip on Friday',
			body: 'Meet at **8:30** by the gate.'
		});
		expect(edited.editedAt).toBeInstanceOf(Date);
		const seen = await announcements.get(actor(cast.learnerH), posted.id);
		expect(seen).toMatchObject({ body: 'Meet at **8:30** by the gate.' });
		expect(seen.editedAt?.toISOString()).toBe(edited.editedAt?.toISOString());
		// Pinning is not an edit of what it says.
		const [row] =
			await ownerDb()`select edited_at from public.announcements where id = ${posted.id}`;
		await announcements.edit(actor(cast.leaderH), posted.id, { pinned: true });
		const [after] =
			await ownerDb()`select edited_at, pinned from public.announcements where id = ${posted.id}`;
		expect(after).toEqual({ edited_at: row.edited_at, pinned: true });
		// It has gone out: no new time, and nothing else in the refused edit is stored.
		await expect(
			announcements.edit(actor(cast.leaderH), posted.id, {
				title: 'Moved',
				publishAt: new Date(Date.now() + 3_600_000).toISOString()
			})
		).rejects.toMatchObject({ status: 409, code: 'published' });
		expect((await announcements.get(actor(cast.leaderH), posted.id)).title).toBe('Trip on Friday');
	});

	it('refuses an empty edit, unknown fields and unreadable titles, changing nothing', async () => {
		const posted = await announcements.create(actor(cast.leaderH), cast.H.id, {
			title: 'Stays as it is',
			body: 'Unchanged.'
		});
		for (const input of [
			{},
			{ title: '' },
			{ title: '\u200b\u200b' },
			{ body: ' ' },
			{ title: 'x', author_id: cast.leaderG.id },
			{ pinned: 'yes' },
			{ publishAt: 'tomorrow' },
			{ body: 'x'.repeat(10_001) }
		]) {
			await expect(announcements.edit(actor(cast.leaderH), posted.id, input)).rejects.toMatchObject(
				{ status: 400 }
			);
		}
		const [row] = await ownerDb()`
			select title, body, edited_at, author_id from public.announcements where id = ${posted.id}`;
		expect(row).toEqual({
			title: 'Stays as it is',
			body: 'Unchanged.',
			edited_at: null,
			author_id: cast.leaderH.id
		});
	});

	it('reschedules a scheduled announcement, earlier or later, and publishes it at the new time', async () => {
		const posted = await announcements.create(actor(cast.leaderH), cast.H.id, {
			title: 'Rescheduled news',
			body: 'Not yet.',
			publishAt: new Date(Date.now() + 3_600_000).toISOString()
		});
		await expect(
			announcements.edit(actor(cast.leaderH), posted.id, {
				publishAt: new Date(Date.now() - 3_600_000).toISOString()
			})
		).rejects.toMatchObject({ status: 400 });
		await expect(
			announcements.edit(actor(cast.leaderH), posted.id, {
				publishAt: new Date(Date.now() + 400 * 86_400_000).toISOString()
			})
		).rejects.toMatchObject({ status: 400 });
		// Edited before it goes out: not marked edited.
		const earlier = await announcements.edit(actor(cast.leaderH), posted.id, {
			title: 'Rescheduled news, sooner',
			publishAt: new Date(Date.now() + 1500).toISOString()
		});
		expect(earlier).toMatchObject({ scheduled: true, editedAt: null });
		expect(
			(await announcements.list(actor(cast.learnerH), cast.H.id)).items.map((i) => i.id)
		).not.toContain(posted.id);
		// The job for the new, earlier time publishes it (the one for the old time would wait an hour).
		const published = await waitFor(async () => {
			const [row] =
				await ownerDb()`select published_at from public.announcements where id = ${posted.id}`;
			return row.published_at ?? undefined;
		});
		expect(published).toBeInstanceOf(Date);
		await waitFor(() =>
			inboxFor(cast.learnerH.email, 'Rescheduled news, sooner').length ? true : undefined
		);
	});

	it('emails an announcement as formatted text, with the markdown kept in the plain part', async () => {
		await announcements.create(
			actor(cast.leaderH),
			cast.H.id,
			{ title: 'Formatted', body: 'Bring **boots** and read [the map](https://maps.example/x).' },
			'app',
			{ origin: 'https://tessera.example' }
		);
		await waitFor(() => (inboxFor(cast.learnerH.email, 'Formatted').length ? true : undefined));
		const [mail] = inboxFor(cast.learnerH.email, 'Formatted');
		const raw = unfold(mail.raw);
		expect(raw).toContain('<strong>boots</strong>');
		// Quoted-printable writes = as =3D.
		expect(raw.replace(/=3D/g, '=')).toContain('<a href="https://maps.example/x">the map</a>');
		expect(raw).toContain('Bring **boots** and read [the map](https://maps.example/x).');
	});

	it('pages back through the feed', async () => {
		const [{ id: group }] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, name) values ('organisation', ${cast.org.id}, 'Paging')
			returning id`;
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${group}, ${cast.learnerG1a.id})`;
		for (let i = 0; i < 5; i += 1) {
			await ownerDb()`
				insert into public.announcements (group_id, author_id, title, body, publish_at, published_at)
				values (${group}, ${cast.leaderG1.id}, ${`Item ${i}`}, 'x', now() - make_interval(mins => ${10 - i}), now())`;
		}
		const first = await announcements.list(actor(cast.learnerG1a), group, { limit: '2' });
		expect(first.items.map((item) => item.title)).toEqual(['Item 4', 'Item 3']);
		expect(first.hasMore).toBe(true);
		const next = await announcements.list(actor(cast.learnerG1a), group, {
			limit: '2',
			before: first.items[1].publishAt.toISOString()
		});
		expect(next.items.map((item) => item.title)).toEqual(['Item 2', 'Item 1']);
		await expect(
			announcements.list(actor(cast.learnerG1a), group, { limit: '0' })
		).rejects.toMatchObject({
			status: 400
		});
	});
});

describe('seen by', () => {
	it('counts who of the audience has seen it, for leaders only', async () => {
		const extra = await createUser({ name: 'Zoe Extra' });
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${cast.G1.id}, ${extra.id})`;
		const posted = await announcements.create(actor(cast.leaderG1), cast.G1.id, {
			title: 'Seen test',
			body: 'Read me',
			includeSubgroups: true
		});
		// Audience: G.1's members and leaders and G.1.a's, without the author.
		let seen = await announcements.seenBy(actor(cast.leaderG1), posted.id);
		expect(seen).toMatchObject({ seen: 0, audience: 3 });
		expect(await announcements.markSeen(actor(cast.learnerG1), [posted.id])).toEqual({ marked: 1 });
		expect(await announcements.markSeen(actor(cast.learnerG1), [posted.id])).toEqual({ marked: 0 });
		// Someone outside the group cannot mark it (nothing is stored).
		expect(await announcements.markSeen(actor(cast.learnerH), [posted.id])).toEqual({ marked: 0 });
		seen = await announcements.seenBy(actor(cast.leaderG), posted.id);
		expect(seen.seen).toBe(1);
		expect(seen.people[0]).toMatchObject({ id: cast.learnerG1.id, seenAt: expect.any(Date) });
		expect(
			(await announcements.list(actor(cast.learnerG1), cast.G1.id)).items.find(
				(i) => i.id === posted.id
			)!.seen
		).toBe(true);
		for (const who of [cast.learnerG1, cast.learnerG1a, cast.leaderH]) {
			await expect(announcements.seenBy(actor(who), posted.id)).rejects.toMatchObject({
				status: 404
			});
		}
		await expect(
			announcements.markSeen(actor(cast.learnerG1), ['not-a-uuid'])
		).rejects.toMatchObject({ status: 400 });
	});
});

describe('email preference', () => {
	it('is on by default and can be turned off and on by the person', async () => {
		const person = await createUser();
		expect(await announcements.emailPreference(actor(person))).toBe(true);
		expect(
			await announcements.setEmailPreference(actor(person), { emailAnnouncements: false })
		).toBe(false);
		expect(await announcements.emailPreference(actor(person))).toBe(false);
		expect(
			await announcements.setEmailPreference(actor(person), { emailAnnouncements: 'on' })
		).toBe(true);
		await expect(
			announcements.setEmailPreference(actor(person), { emailAnnouncements: 'yes' })
		).rejects.toMatchObject({
			status: 400
		});
	});
});
