import { beforeAll, describe, expect, it } from 'vitest';
import * as accounts from '$lib/server/auth/accounts';
import { validateSessionToken } from '$lib/server/auth/session';
import * as dashboard from '$lib/server/dashboard';
import { withUser } from '$lib/server/db';
import * as participantsRoute from '../../src/routes/api/v1/courses/[id]/enrolments/+server';
import * as eventsRoute from '../../src/routes/api/v1/courses/[id]/events/+server';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	FIXTURE_PASSWORD,
	ownerDb,
	type TestUser
} from './helpers';
import { callEndpoint } from './route-call';

// Issue 13: "last activity" counts every learner event (sign-ins, page views, course views, posts),
// not only completions; recorded at most once every five minutes per person.

let org: { id: string };
let course: { id: string };
let instructor: TestUser;
let leader: TestUser;
let learner: TestUser;
let fellow: TestUser;
let outsider: TestUser;
let groupId: string;

beforeAll(async () => {
	org = await createOrganisation();
	course = await createCourse(org.id);
	instructor = await createUser({ name: 'Instructor' });
	leader = await createUser({ name: 'Leader' });
	learner = await createUser({ name: 'Learner' });
	fellow = await createUser({ name: 'Fellow' });
	outsider = await createUser({ name: 'Outsider' });
	await enrol(course.id, instructor.id, 'instructor');
	await enrol(course.id, learner.id);
	await enrol(course.id, fellow.id);
	for (const person of [leader, learner]) await addOrganisationMember(org.id, person.id);
	const [group] = await ownerDb()`
		insert into public.groups (scope, organisation_id, kind, name)
		values ('organisation', ${org.id}, 'mentor group', 'Mentees') returning id`;
	groupId = group.id;
	await ownerDb()`insert into public.group_members (group_id, user_id, role) values
		(${groupId}, ${leader.id}, 'leader'), (${groupId}, ${learner.id}, 'member')`;
});

const lastSeen = async (person: TestUser): Promise<Date | null> => {
	const [row] = await ownerDb()`
		select last_seen_at from public.person_activity where user_id = ${person.id}`;
	return row?.last_seen_at ?? null;
};
const backdate = (person: TestUser, minutes: number) =>
	ownerDb()`update public.person_activity set last_seen_at = now() - make_interval(mins => ${minutes})
		where user_id = ${person.id}`;
const ip = () => `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

describe('last activity', () => {
	it('is set by a sign-in, and written again only after five minutes', async () => {
		expect(await lastSeen(learner)).toBeNull();
		const { token } = await accounts.signIn(
			{ email: learner.email, password: FIXTURE_PASSWORD },
			ip()
		);
		const first = await lastSeen(learner);
		expect(first).not.toBeNull();
		await accounts.signIn({ email: learner.email, password: FIXTURE_PASSWORD }, ip());
		expect(await lastSeen(learner)).toEqual(first);

		// A page (a session check that touches the session) after ten quiet minutes counts.
		await backdate(learner, 10);
		await ownerDb()`update public.sessions set last_seen_at = now() - interval '2 minutes' where user_id = ${learner.id}`;
		const before = (await lastSeen(learner))!;
		await validateSessionToken(token);
		expect((await lastSeen(learner))!.getTime()).toBeGreaterThan(before.getTime() + 9 * 60_000);
	});

	it('counts a course view and a post sent through the JSON API', async () => {
		for (const kind of ['course_view', 'post']) {
			await backdate(learner, 30);
			const before = (await lastSeen(learner))!;
			const answer = await callEndpoint(eventsRoute.POST, {
				user: learner,
				params: { id: course.id },
				json: { kind }
			});
			expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
			expect((await lastSeen(learner))!.getTime()).toBeGreaterThan(before.getTime() + 29 * 60_000);
		}
	});

	it('counts a chat message', async () => {
		await backdate(learner, 30);
		const before = (await lastSeen(learner))!;
		const [channel] =
			await ownerDb()`select id from public.channels where group_id = ${groupId} and kind = 'chat' limit 1`;
		await ownerDb()`
			insert into public.messages (channel_id, author_id, author_name, body, client_id)
			values (${channel.id}, ${learner.id}, 'Learner', 'hello', gen_random_uuid())`;
		expect((await lastSeen(learner))!.getTime()).toBeGreaterThan(before.getTime() + 29 * 60_000);
	});

	it('shows on the leader’s dashboard and to staff in the participants list, with no completion at all', async () => {
		// Only a sign-in, no course event or completion: the dashboard used to say "never".
		const quiet = await createUser({ name: 'Quiet Learner' });
		await enrol(course.id, quiet.id);
		await addOrganisationMember(org.id, quiet.id);
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${groupId}, ${quiet.id})`;
		await accounts.signIn({ email: quiet.email, password: FIXTURE_PASSWORD }, ip());
		await backdate(quiet, 90);
		const seen = (await lastSeen(quiet))!;
		const learnerRow = (await dashboard.dashboard(actor(leader), groupId)).rows.find(
			(r) => r.userId === learner.id
		)!;
		expect(learnerRow.lastActivityAt).not.toBeNull();
		const board = await dashboard.dashboard(actor(leader), groupId);
		const row = board.rows.find((r) => r.userId === quiet.id)!;
		expect(new Date(row.lastActivityAt!).getTime()).toBe(seen.getTime());
		expect(row.done).toBe(0);

		const answer = await callEndpoint(participantsRoute.GET, {
			user: instructor,
			params: { id: course.id }
		});
		const items = (answer.body as { items: { userId: string; lastActiveAt: string | null }[] })
			.items;
		expect(new Date(items.find((i) => i.userId === quiet.id)!.lastActiveAt!).getTime()).toBe(
			seen.getTime()
		);
		expect(items.find((i) => i.userId === fellow.id)!.lastActiveAt).toBeNull();
		// A fellow learner sees the list but not when others were active.
		const asFellow = await callEndpoint(participantsRoute.GET, {
			user: fellow,
			params: { id: course.id }
		});
		const fellowView = (
			asFellow.body as { items: { userId: string; lastActiveAt: string | null }[] }
		).items;
		expect(fellowView.find((i) => i.userId === quiet.id)!.lastActiveAt).toBeNull();
	});

	it('is readable (RLS) by the person, their course staff, their leader and platform admins only', async () => {
		const admin = await createUser({ name: 'Admin', admin: true });
		const sees = async (who: TestUser) =>
			(
				await withUser(
					actor(who),
					(tx) => tx`select user_id from public.person_activity where user_id = ${learner.id}`
				)
			).length === 1;
		expect(await sees(learner)).toBe(true);
		expect(await sees(instructor)).toBe(true);
		expect(await sees(leader)).toBe(true);
		expect(await sees(admin)).toBe(true);
		expect(await sees(fellow)).toBe(false);
		expect(await sees(outsider)).toBe(false);
		await expect(
			withUser(null, (tx) => tx`select user_id from public.person_activity`)
		).rejects.toMatchObject({ code: '42501' });
		// Nobody writes it but the system.
		for (const who of [learner, instructor, admin]) {
			await expect(
				withUser(
					actor(who),
					(tx) => tx`update public.person_activity set last_seen_at = now() + interval '1 year'`
				)
			).rejects.toMatchObject({ code: '42501' });
		}
	});
});
