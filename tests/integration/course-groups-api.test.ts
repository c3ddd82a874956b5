import { beforeAll, describe, expect, it } from 'vitest';
import type { RequestEvent } from '@sveltejs/kit';
import * as groupingsRoute from '../../src/routes/api/v1/courses/[id]/groupings/+server';
import * as groupingRoute from '../../src/routes/api/v1/groupings/[id]/+server';
import * as groupingGroupsRoute from '../../src/routes/api/v1/groupings/[id]/groups/+server';
import * as signupSettingsRoute from '../../src/routes/api/v1/groupings/[id]/signup/+server';
import * as assignRoute from '../../src/routes/api/v1/groupings/[id]/signup/assign/+server';
import * as signupViewRoute from '../../src/routes/api/v1/courses/[id]/signup/+server';
import * as signupRoute from '../../src/routes/api/v1/groups/[id]/signup/+server';
import * as autoGroupsRoute from '../../src/routes/api/v1/courses/[id]/auto-groups/+server';
import * as overviewRoute from '../../src/routes/api/v1/courses/[id]/groups-overview/+server';
import * as importsRoute from '../../src/routes/api/v1/courses/[id]/group-imports/+server';
import * as groupModeRoute from '../../src/routes/api/v1/courses/[id]/group-mode/+server';
import * as enrolmentsRoute from '../../src/routes/api/v1/courses/[id]/enrolments/+server';
import { openApiDocument } from '$lib/server/api/openapi';
import {
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';

// The JSON API's course-group routes, called as SvelteKit calls them (a RequestEvent with the
// signed-in user on locals), against the real database: status codes, bodies and error shapes.

type Handler = (event: RequestEvent) => Promise<Response>;

async function call(
	handler: unknown,
	{
		user,
		params = {},
		query = '',
		json,
		csv
	}: {
		user: TestUser | null;
		params?: Record<string, string>;
		query?: string;
		json?: unknown;
		csv?: string;
	}
) {
	const url = new URL(`http://tessera.test/api/v1/x${query}`);
	const headers: Record<string, string> = {};
	let body: string | undefined;
	if (json !== undefined) {
		headers['content-type'] = 'application/json';
		body = typeof json === 'string' ? json : JSON.stringify(json);
	}
	if (csv !== undefined) {
		headers['content-type'] = 'text/csv';
		body = csv;
	}
	const request = new Request(url, { method: body === undefined ? 'GET' : 'POST', headers, body });
	const locals = user
		? {
				user: {
					id: user.id,
					email: user.email,
					displayName: user.displayName,
					platformRole: 'user'
				}
			}
		: { user: null };
	const response = await (handler as Handler)({
		locals,
		params,
		url,
		request
	} as unknown as RequestEvent);
	const type = response.headers.get('content-type') ?? '';
	const payload = type.includes('json') ? await response.json() : await response.text();
	return { status: response.status, body: payload, headers: response.headers };
}

let instructor: TestUser;
let learners: TestUser[];
let outsider: TestUser;
let course: { id: string; code: string };

beforeAll(async () => {
	const org = await createOrganisation();
	course = await createCourse(org.id);
	instructor = await createUser({ name: 'Api Instructor' });
	outsider = await createUser({ name: 'Api Outsider' });
	await enrol(course.id, instructor.id, 'instructor');
	learners = [];
	for (const name of [
		'Ann Archer',
		'Ben Baker',
		'Cat Cooper',
		'Dan Dyer',
		'Eve Evans',
		'Fay Fisher'
	]) {
		const learner = await createUser({ name });
		await enrol(course.id, learner.id);
		learners.push(learner);
	}
});

describe('course groups API', () => {
	it('creates, reads, renames and deletes groupings', async () => {
		const params = { id: course.id };
		const created = await call(groupingsRoute.POST, {
			user: instructor,
			params,
			json: { name: 'Seminars', idnumber: 'SEM', exclusive: true }
		});
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({
			name: 'Seminars',
			idnumber: 'SEM',
			exclusive: true,
			groups: []
		});
		const id = created.body.id;
		const duplicate = await call(groupingsRoute.POST, {
			user: instructor,
			params,
			json: { name: 'Other', idnumber: 'SEM' }
		});
		expect(duplicate).toMatchObject({ status: 409, body: { error: { code: 'idnumber_taken' } } });
		const list = await call(groupingsRoute.GET, { user: learners[0], params });
		expect(list.status).toBe(200);
		expect(list.body.items.map((g: { name: string }) => g.name)).toEqual(['Seminars']);
		const patched = await call(groupingRoute.PATCH, {
			user: instructor,
			params: { id },
			json: { name: 'Seminar groups' }
		});
		expect(patched).toMatchObject({ status: 200, body: { name: 'Seminar groups' } });
		expect(await call(groupingRoute.GET, { user: outsider, params: { id } })).toMatchObject({
			status: 404,
			body: { error: { code: 'not_found', message: 'Not found, or you do not have access.' } }
		});
		expect((await call(groupingRoute.DELETE, { user: learners[0], params: { id } })).status).toBe(
			404
		);
		expect((await call(groupingRoute.DELETE, { user: instructor, params: { id } })).status).toBe(
			200
		);
		expect((await call(groupingRoute.GET, { user: instructor, params: { id } })).status).toBe(404);
	});

	it('answers bad requests with the error shape', async () => {
		const params = { id: course.id };
		expect(
			await call(groupingsRoute.POST, { user: null, params, json: { name: 'x' } })
		).toMatchObject({
			status: 401,
			body: { error: { code: 'unauthenticated' } }
		});
		expect(
			await call(groupingsRoute.POST, { user: instructor, params, json: '{nope' })
		).toMatchObject({
			status: 400,
			body: { error: { code: 'malformed_json' } }
		});
		expect(
			await call(groupingsRoute.POST, { user: instructor, params, json: { name: '' } })
		).toMatchObject({
			status: 400,
			body: {
				error: { code: 'invalid_input', message: 'Name the grouping.', issues: [{ path: 'name' }] }
			}
		});
		expect(
			(await call(groupingsRoute.GET, { user: instructor, params: { id: 'not-a-uuid' } })).status
		).toBe(404);
		expect(
			await call(groupingGroupsRoute.POST, {
				user: instructor,
				params: { id: crypto.randomUUID() },
				json: { groupIds: [] }
			})
		).toMatchObject({ status: 400, body: { error: { message: 'Choose at least one group.' } } });
		expect(
			await call(importsRoute.POST, { user: instructor, params, json: { groupname: 'x' } })
		).toMatchObject({ status: 415 });
	});

	it('previews with dryRun, creates auto groups, opens sign-up and lets a learner join and leave', async () => {
		const params = { id: course.id };
		const options = {
			by: 'members',
			count: 2,
			naming: 'Pair #',
			allocation: 'none',
			grouping: { name: 'Pairs' }
		};
		const preview = await call(autoGroupsRoute.POST, {
			user: instructor,
			params,
			query: '?dryRun=true',
			json: options
		});
		expect(preview.status).toBe(200);
		expect(preview.body.groups.map((g: { name: string }) => g.name)).toEqual([
			'Pair 1',
			'Pair 2',
			'Pair 3'
		]);
		const [{ n: none }] =
			await ownerDb()`select count(*)::int as n from public.groups where course_id = ${course.id}`;
		expect(none).toBe(0);
		const created = await call(autoGroupsRoute.POST, { user: instructor, params, json: options });
		expect(created.status).toBe(201);
		const { groupingId, groups } = created.body;
		expect(groups).toHaveLength(3);

		const settings = await call(signupSettingsRoute.PUT, {
			user: instructor,
			params: { id: groupingId },
			json: { open: true, sizeLimit: 2, autoLeader: 'first' }
		});
		expect(settings).toMatchObject({
			status: 200,
			body: { signup: { open: true, sizeLimit: 2, autoLeader: 'first' } }
		});

		const view = await call(signupViewRoute.GET, { user: learners[0], params });
		expect(view.body.items[0].groups.map((g: { placesLeft: number }) => g.placesLeft)).toEqual([
			2, 2, 2
		]);
		const joined = await call(signupRoute.POST, {
			user: learners[0],
			params: { id: groups[0].id }
		});
		expect(joined).toMatchObject({ status: 201, body: { message: 'You joined Pair 1.' } });
		await call(signupRoute.POST, { user: learners[1], params: { id: groups[0].id } });
		expect(
			await call(signupRoute.POST, { user: learners[2], params: { id: groups[0].id } })
		).toMatchObject({
			status: 409,
			body: { error: { code: 'group_full', message: 'The group is full.' } }
		});
		expect(
			await call(signupRoute.POST, { user: outsider, params: { id: groups[0].id } })
		).toMatchObject({
			status: 404
		});
		const left = await call(signupRoute.DELETE, {
			user: learners[1],
			params: { id: groups[0].id }
		});
		expect(left).toMatchObject({ status: 200, body: { message: 'You left Pair 1.' } });

		const assigned = await call(assignRoute.POST, { user: instructor, params: { id: groupingId } });
		expect(assigned).toMatchObject({ status: 200, body: { assigned: 5, leftOver: [] } });

		const overview = await call(overviewRoute.GET, { user: instructor, params });
		expect(overview.status).toBe(200);
		expect(
			overview.body.groupings[0].groups.map((g: { members: unknown[] }) => g.members.length)
		).toEqual([2, 2, 2]);
		// Staff only: learners would see a wrong picture (groups they cannot see into look empty).
		expect(await call(overviewRoute.GET, { user: learners[0], params })).toMatchObject({
			status: 404
		});
		expect(
			await call(overviewRoute.GET, { user: learners[0], params, query: '?format=csv' })
		).toMatchObject({ status: 404 });
		const csv = await call(overviewRoute.GET, { user: instructor, params, query: '?format=csv' });
		expect(csv.status).toBe(200);
		expect(csv.headers.get('content-disposition')).toBe(
			`attachment; filename="${course.code}-groups-overview.csv"`
		);
		expect((csv.body as string).split('\r\n')[0]).toBe(
			'grouping,group,group idnumber,name,email,group role'
		);
		const lines = (csv.body as string).split('\r\n').filter(Boolean);
		// Header, six learners in pairs, and the instructor in no group.
		expect(lines).toHaveLength(8);
		expect(lines[7]).toBe(`,,,Api Instructor,${instructor.email},`);
		expect(
			await call(overviewRoute.GET, { user: instructor, params, query: '?format=xml' })
		).toMatchObject({ status: 400 });

		const pair1 = groups[0].id;
		const filtered = await call(enrolmentsRoute.GET, {
			user: instructor,
			params,
			query: `?groupIds=${pair1}&match=none&role=learner`
		});
		expect(filtered.body.total).toBe(4);
		const audit = await ownerDb()`
			select action, via from public.audit_events where course_id = ${course.id} and action like 'grouping%'`;
		expect(audit.every((row) => row.via === 'api')).toBe(true);
	});

	it('imports groups from CSV with a report per row, dry run first', async () => {
		const params = { id: course.id };
		const csv = `groupname,idnumber,members\nImported A,IMP,${learners[0].email}\n,NONAME,\n`;
		const dry = await call(importsRoute.POST, {
			user: instructor,
			params,
			query: '?dryRun=true',
			csv
		});
		expect(dry).toMatchObject({
			status: 200,
			body: {
				applied: false,
				rows: [
					{ line: 2, status: 'created' },
					{ line: 3, status: 'error' }
				]
			}
		});
		const applied = await call(importsRoute.POST, { user: instructor, params, csv });
		expect(applied.body.applied).toBe(true);
		expect(applied.body.rows[0]).toMatchObject({ status: 'created', memberCount: 1 });
		const again = await call(importsRoute.POST, {
			user: instructor,
			params,
			csv: 'groupname,idnumber\nImported B,IMP\n'
		});
		expect(again.body.rows[0]).toMatchObject({ status: 'created_without_idnumber' });
	});

	it('sets the group mode', async () => {
		const params = { id: course.id };
		expect(
			await call(groupModeRoute.PUT, { user: instructor, params, json: { groupMode: 'separate' } })
		).toMatchObject({ status: 200, body: { groupMode: 'separate' } });
		expect(
			await call(groupModeRoute.PUT, { user: instructor, params, json: { groupMode: 'closed' } })
		).toMatchObject({ status: 400 });
		expect(
			await call(groupModeRoute.PUT, { user: learners[0], params, json: { groupMode: 'none' } })
		).toMatchObject({ status: 404 });
		await call(groupModeRoute.PUT, { user: instructor, params, json: { groupMode: 'none' } });
	});

	it('documents every course-group route in the OpenAPI document', () => {
		const paths = Object.keys(openApiDocument.paths);
		for (const path of [
			'/courses/{id}/groupings',
			'/groupings/{id}',
			'/groupings/{id}/groups',
			'/groupings/{id}/signup',
			'/groupings/{id}/signup/assign',
			'/courses/{id}/signup',
			'/groups/{id}/signup',
			'/courses/{id}/auto-groups',
			'/courses/{id}/groups-overview',
			'/courses/{id}/group-imports',
			'/courses/{id}/group-mode'
		]) {
			expect(paths).toContain(path);
		}
	});
});
