import { beforeAll, describe, expect, it } from 'vitest';
import * as courseGroupsRoute from '../../src/routes/api/v1/courses/[id]/groups/+server';
import * as groupingsRoute from '../../src/routes/api/v1/courses/[id]/groupings/+server';
import * as coursesRoute from '../../src/routes/api/v1/courses/+server';
import * as overviewRoute from '../../src/routes/api/v1/courses/[id]/groups-overview/+server';
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
