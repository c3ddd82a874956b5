import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as progress from '$lib/server/progress';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';
import { collect, connectAs, next, pause, startServer, type Client } from './realtime-helpers';

/**
 * The live "progress changed" signal follows the same rule as what leaders may read
 * (private.followings, supabase/schemas/05_memberships.sql): Tom takes courses A and B. Lea, a learner of A, automatically leads his
 * team in A (a course group); Mo leads his cohort (an organisation group); Ivy teaches B.
 * When Tom completes something in B, Mo and Ivy are told, Lea is not.
 */
let lea: TestUser;
let tom: TestUser;
let mo: TestUser;
let ivy: TestUser;
let a: { id: string };
let b: { id: string };
const activity: Record<'a' | 'b', string> = { a: '', b: '' };
let server: Awaited<ReturnType<typeof startServer>>;
const clients: Client[] = [];

type Changed = { courseIds: string[] };

beforeAll(async () => {
	server = await startServer();
	const org = await createOrganisation();
	a = await createCourse(org.id);
	b = await createCourse(org.id);
	[lea, tom, mo, ivy] = await Promise.all([
		createUser({ name: 'Lea Leader' }),
		createUser({ name: 'Tom Teammate' }),
		createUser({ name: 'Mo Mentor' }),
		createUser({ name: 'Ivy Instructor' })
	]);
	for (const person of [lea, tom, mo]) await addOrganisationMember(org.id, person.id);
	await enrol(a.id, lea.id);
	await enrol(a.id, tom.id);
	await enrol(b.id, tom.id);
	await enrol(b.id, ivy.id, 'instructor');
	const db = ownerDb();
	const [team] = await db<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, course_id, name)
		values ('course', ${org.id}, ${a.id}, 'Team 1') returning id`;
	await db`
		insert into public.group_members (group_id, user_id, role, source)
		values (${team.id}, ${lea.id}, 'leader', 'auto'), (${team.id}, ${tom.id}, 'member', 'self')`;
	const [mentees] = await db<{ id: string }[]>`
		insert into public.groups (scope, organisation_id, name, kind)
		values ('organisation', ${org.id}, 'Mentees', 'cohort') returning id`;
	await db`
		insert into public.group_members (group_id, user_id, role)
		values (${mentees.id}, ${mo.id}, 'leader'), (${mentees.id}, ${tom.id}, 'member')`;
	for (const [key, course] of [
		['a', a],
		['b', b]
	] as const) {
		const [row] = await db<{ id: string }[]>`
			insert into public.activities (course_id, title) values (${course.id}, 'Week 1') returning id`;
		activity[key] = row.id;
	}
});

afterEach(() => {
	for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
	await server.close();
});

describe('live progress updates reach the people who may see that progress', () => {
	it('tells a course group’s leader about a teammate in the group’s course', async () => {
		const leader = await connectAs(server.url, lea, clients);
		const told = next<Changed>(leader, 'progress:changed', (p) => p.courseIds.includes(a.id));
		await progress.markComplete(actor(tom), activity.a);
		expect((await told).courseIds).toEqual([a.id]);
	});

	it('tells neither that leader about the teammate’s progress in another course, while the cohort’s leader and the course’s instructor hear of it', async () => {
		const [leader, mentor, instructor] = await Promise.all(
			[lea, mo, ivy].map((user) => connectAs(server.url, user, clients))
		);
		const leaderHeard = collect<Changed>(leader, 'progress:changed');
		const mentorTold = next<Changed>(mentor, 'progress:changed', (p) => p.courseIds.includes(b.id));
		const instructorTold = next<Changed>(instructor, 'progress:changed', (p) =>
			p.courseIds.includes(b.id)
		);
		await progress.markComplete(actor(tom), activity.b);
		expect((await mentorTold).courseIds).toEqual([b.id]);
		expect((await instructorTold).courseIds).toEqual([b.id]);
		// Both arrived, from one emit after the commit: anything for Lea would have come with them.
		await pause(100);
		expect(leaderHeard).toEqual([]);
	});
});
