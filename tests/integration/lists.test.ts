import { beforeAll, describe, expect, it } from 'vitest';
import * as courseGroupsRoute from '../../src/routes/api/v1/courses/[id]/groups/+server';
import * as groupingsRoute from '../../src/routes/api/v1/courses/[id]/groupings/+server';
import * as coursesRoute from '../../src/routes/api/v1/courses/+server';
import * as overviewRoute from '../../src/routes/api/v1/courses/[id]/groups-overview/+server';
import * as enrolmentsRoute from '../../src/routes/api/v1/courses/[id]/enrolments/+server';
import * as membersRoute from '../../src/routes/api/v1/groups/[id]/members/+server';
import * as bulkRoute from '../../src/routes/api/v1/courses/[id]/participants/groups/+server';
import {
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';
import { callEndpoint } from './route-call';

// Lists people work in, through the JSON API: names in natural order ("Tutorial 2" before
// "Tutorial 10") in group trees, groupings and courses; the groups overview filtered by
// "No grouping" and "No group".

let instructor: TestUser;
let inGroup: TestUser;
let alone: TestUser;
let course: { id: string };
const ids: Record<string, string> = {};

const api = (handler: unknown, params: Record<string, string>, query = '') =>
	callEndpoint(handler, { user: instructor, params, query, via: 'api' });

beforeAll(async () => {
	const org = await createOrganisation();
	course = await createCourse(org.id);
	instructor = await createUser({ name: 'Nia Natural' });
	inGroup = await createUser({ name: 'Ola Grouped' });
	alone = await createUser({ name: 'Pat Alone' });
	for (const person of [instructor, inGroup, alone]) await addOrganisationMember(org.id, person.id);
	await enrol(course.id, instructor.id, 'instructor');
	await enrol(course.id, inGroup.id);
	await enrol(course.id, alone.id);
	for (const code of ['NAT 10', 'NAT 2', 'nat 3']) {
		const [row] = await ownerDb()<{ id: string }[]>`
			insert into public.courses (organisation_id, code, name) values (${org.id}, ${code}, ${code}) returning id`;
		await enrol(row.id, instructor.id, 'instructor');
	}
	for (const name of ['Tutorial 10', 'Tutorial 2', 'tutorial 3', 'Lab 1']) {
		const [row] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, course_id, name)
			values ('course', ${org.id}, ${course.id}, ${name}) returning id`;
		ids[name] = row.id;
	}
	for (const name of ['Sub 10', 'Sub 9']) {
		const [row] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, course_id, parent_id, name)
			values ('course', ${org.id}, ${course.id}, ${ids['Tutorial 2']}, ${name}) returning id`;
		ids[name] = row.id;
	}
	for (const name of ['Week 12', 'Week 3']) {
		const [row] = await ownerDb()<{ id: string }[]>`
			insert into public.groupings (course_id, name) values (${course.id}, ${name}) returning id`;
		ids[name] = row.id;
	}
	await ownerDb()`
		insert into public.grouping_groups (grouping_id, group_id)
		values (${ids['Week 3']}, ${ids['Tutorial 10']}), (${ids['Week 3']}, ${ids['Tutorial 2']})`;
	await ownerDb()`insert into public.group_members (group_id, user_id) values (${ids['Lab 1']}, ${inGroup.id})`;
});

describe('natural order', () => {
	it('sorts a course’s group tree naturally, sub-groups under their parent', async () => {
		const answer = await api(courseGroupsRoute.GET, { id: course.id });
		expect((answer.body as { items: { name: string }[] }).items.map((g) => g.name)).toEqual([
			'Lab 1',
			'Tutorial 2',
			'Sub 9',
			'Sub 10',
			'tutorial 3',
			'Tutorial 10'
		]);
	});

	it('sorts groupings and courses naturally', async () => {
		const groupings = await api(groupingsRoute.GET, { id: course.id });
		expect((groupings.body as { items: { name: string }[] }).items.map((g) => g.name)).toEqual([
			'Week 3',
			'Week 12'
		]);
		const courses = await api(coursesRoute.GET, {});
		const codes = (courses.body as { items: { code: string }[] }).items
			.map((c) => c.code)
			.filter((code) => /^nat /i.test(code));
		expect(codes).toEqual(['NAT 2', 'nat 3', 'NAT 10']);
	});

	it('sorts the overview’s groups naturally within each grouping', async () => {
		const answer = await api(overviewRoute.GET, { id: course.id });
		const body = answer.body as {
			groupings: { name: string; groups: { name: string }[] }[];
		};
		expect(body.groupings.map((g) => g.name)).toEqual(['Week 3', 'Week 12']);
		expect(body.groupings[0].groups.map((g) => g.name)).toEqual(['Tutorial 2', 'Tutorial 10']);
	});
});

describe('groups overview filters', () => {
	type Body = {
		groupings: { name: string }[];
		notInGrouping: { name: string }[];
		notInGroup: { displayName: string }[];
	};

	it('shows only the groups in no grouping for "No grouping"', async () => {
		const answer = await api(overviewRoute.GET, { id: course.id }, 'groupingId=none');
		expect(answer.status).toBe(200);
		const body = answer.body as Body;
		expect(body.groupings).toEqual([]);
		expect(body.notInGrouping.map((g) => g.name)).toEqual([
			'Lab 1',
			'Sub 9',
			'Sub 10',
			'tutorial 3'
		]);
		expect(body.notInGroup).toEqual([]);
	});

	it('shows only the people in no group for "No group"', async () => {
		const answer = await api(overviewRoute.GET, { id: course.id }, 'groupId=none');
		expect(answer.status).toBe(200);
		const body = answer.body as Body;
		expect(body.groupings).toEqual([]);
		expect(body.notInGrouping).toEqual([]);
		expect(body.notInGroup.map((p) => p.displayName)).toEqual(['Nia Natural', 'Pat Alone']);
		const csv = await api(overviewRoute.GET, { id: course.id }, 'groupId=none&format=csv');
		expect(csv.body).toContain('Pat Alone');
		expect(csv.body).not.toContain('Ola Grouped');
	});

	it('refuses a filter that is neither an id nor "none"', async () => {
		const answer = await api(overviewRoute.GET, { id: course.id }, 'groupingId=nothing');
		expect(answer.status).toBe(400);
	});
});

describe('pasting a list of emails', () => {
	it('enrols the good entries, names each malformed one and invites unknown addresses', async () => {
		const newcomer = await createUser({ name: 'Quin Newcomer' });
		const [org] =
			await ownerDb()`select organisation_id from public.courses where id = ${course.id}`;
		await addOrganisationMember(org.organisation_id, newcomer.id);
		const answer = await callEndpoint(enrolmentsRoute.POST, {
			user: instructor,
			params: { id: course.id },
			via: 'api',
			json: {
				emails: `Quin <${newcomer.email}>; bob, not-an-email@\nnobody-${Date.now()}@example.org`
			}
		});
		expect(answer.status).toBe(200);
		const rows = (answer.body as { rows: { email: string; status: string; message: string }[] })
			.rows;
		expect(rows.map((row) => [row.email, row.status])).toEqual([
			[newcomer.email, 'enrol'],
			['bob', 'error'],
			['not-an-email@', 'error'],
			[expect.stringMatching(/^nobody-\d+@example\.org$/), 'invite']
		]);
		expect(rows[1].message).toBe('This is not a valid email address.');
		const [enrolled] = await ownerDb()`
			select status from public.enrolments where course_id = ${course.id} and user_id = ${newcomer.id}`;
		expect(enrolled.status).toBe('active');
		const [invite] = await ownerDb()`
			select count(*)::int as n from public.course_invites where course_id = ${course.id} and email = ${rows[3].email}`;
		expect(invite.n).toBe(1);
	});

	it('adds the good emails to a group, names the malformed ones and invites the unknown', async () => {
		const unknown = `stranger-${Date.now()}@example.org`;
		const answer = await callEndpoint(membersRoute.POST, {
			user: instructor,
			params: { id: ids['Lab 1'] },
			via: 'api',
			json: { emails: [alone.email, 'oops', 'two words', unknown] }
		});
		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({
			added: 1,
			invited: [unknown],
			errors: [
				{ email: 'oops', message: 'This is not a valid email address.' },
				{ email: 'two words', message: 'This is not a valid email address.' }
			]
		});
		const [member] = await ownerDb()`
			select count(*)::int as n from public.group_members where group_id = ${ids['Lab 1']} and user_id = ${alone.id}`;
		expect(member.n).toBe(1);
		await ownerDb()`delete from public.group_members where group_id = ${ids['Lab 1']} and user_id = ${alone.id}`;
	});
});

describe('the participants list', () => {
	let learner: TestUser;
	let peer: TestUser;
	let lab2: string;

	beforeAll(async () => {
		learner = await createUser({ name: 'Rae Learner' });
		peer = await createUser({ name: 'Sol Peer' });
		const [org] =
			await ownerDb()`select organisation_id from public.courses where id = ${course.id}`;
		for (const person of [learner, peer]) {
			await addOrganisationMember(org.organisation_id, person.id);
			await enrol(course.id, person.id);
		}
		const [row] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, course_id, name, visibility)
			values ('course', ${org.organisation_id}, ${course.id}, 'Lab 2', 'scope') returning id`;
		lab2 = row.id;
		await ownerDb()`
			insert into public.group_members (group_id, user_id)
			values (${lab2}, ${learner.id}), (${lab2}, ${peer.id}), (${ids['Tutorial 10']}, ${learner.id})`;
	});

	type Page = {
		items: { displayName: string; groups: { name: string }[] }[];
		groupIds: string[];
		openedOnOwnGroup: boolean;
	};
	const list = (user: TestUser, query = '') =>
		callEndpoint(enrolmentsRoute.GET, { user, params: { id: course.id }, query, via: 'api' });

	it('opens on the learner’s own first group in separate and visible modes, and not otherwise', async () => {
		const none = (await list(learner)).body as Page;
		expect(none.openedOnOwnGroup).toBe(false);
		for (const mode of ['visible', 'separate']) {
			await ownerDb()`update public.courses set group_mode = ${mode} where id = ${course.id}`;
			const page = (await list(learner)).body as Page;
			// Natural order: Lab 2 comes before Tutorial 10.
			expect(page).toMatchObject({ openedOnOwnGroup: true, groupIds: [lab2] });
			expect(page.items.map((p) => p.displayName)).toEqual(['Rae Learner', 'Sol Peer']);
			// Naming any group filter (here: match) shows what was asked for instead.
			const asked = (await list(learner, 'match=any')).body as Page;
			expect(asked.openedOnOwnGroup).toBe(false);
			// Staff open on everyone.
			const staff = (await list(instructor)).body as Page;
			expect(staff.openedOnOwnGroup).toBe(false);
		}
		await ownerDb()`update public.courses set group_mode = 'none' where id = ${course.id}`;
	});

	it('gives each member of a course group their course role, for the list’s sections', async () => {
		await ownerDb()`insert into public.group_members (group_id, user_id) values (${lab2}, ${instructor.id})`;
		const answer = await callEndpoint(membersRoute.GET, {
			user: instructor,
			params: { id: lab2 },
			via: 'api'
		});
		expect(answer.status).toBe(200);
		const items = (answer.body as { items: { displayName: string; courseRole: string }[] }).items;
		expect(items.map((m) => [m.displayName, m.courseRole]).sort()).toEqual([
			['Nia Natural', 'instructor'],
			['Rae Learner', 'learner'],
			['Sol Peer', 'learner']
		]);
		await ownerDb()`delete from public.group_members where group_id = ${lab2} and user_id = ${instructor.id}`;
	});

	it('gives staff each participant’s groups in natural order', async () => {
		const page = (await list(instructor, 'search=Rae')).body as Page;
		expect(page.items[0].groups.map((g) => g.name)).toEqual(['Lab 2', 'Tutorial 10']);
	});

	it('adds the chosen people to a group and takes them out, in one step', async () => {
		const post = (user: TestUser, json: unknown) =>
			callEndpoint(bulkRoute.POST, { user, params: { id: course.id }, json, via: 'api' });
		const added = await post(instructor, {
			action: 'add',
			groupId: ids['tutorial 3'],
			userIds: [learner.id, peer.id]
		});
		expect(added).toMatchObject({ status: 200, body: { action: 'add', added: 2 } });
		const removed = await post(instructor, {
			action: 'remove',
			groupId: ids['tutorial 3'],
			userIds: [learner.id, peer.id]
		});
		expect(removed).toMatchObject({ status: 200, body: { action: 'remove', removed: 2 } });
		expect(
			(await post(learner, { action: 'add', groupId: lab2, userIds: [alone.id] })).status
		).toBe(404);
		const elsewhere = await createCourse((await createOrganisation()).id);
		const [foreign] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, course_id, name)
			select 'course', organisation_id, id, 'Foreign' from public.courses where id = ${elsewhere.id}
			returning id`;
		const wrong = await post(instructor, {
			action: 'add',
			groupId: foreign.id,
			userIds: [peer.id]
		});
		// A group of another course is as missing as one nobody has.
		expect(wrong.status).toBe(404);
		expect(
			(await post(instructor, { action: 'move', groupId: lab2, userIds: [peer.id] })).status
		).toBe(400);
	});
});
