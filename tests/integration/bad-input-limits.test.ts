import { beforeAll, describe, expect, it } from 'vitest';
import * as enrolmentsRoute from '../../src/routes/api/v1/courses/[id]/enrolments/+server';
import * as enrolmentCsvRoute from '../../src/routes/api/v1/courses/[id]/enrolments/csv/+server';
import * as groupImportsRoute from '../../src/routes/api/v1/courses/[id]/group-imports/+server';
import * as groupingsRoute from '../../src/routes/api/v1/courses/[id]/groupings/+server';
import * as coursesRoute from '../../src/routes/api/v1/organisations/[id]/courses/+server';
import * as orgImportRoute from '../../src/routes/api/v1/organisations/[id]/groups/import/+server';
import * as groupsRoute from '../../src/routes/api/v1/groups/+server';
import * as membersRoute from '../../src/routes/api/v1/groups/[id]/members/+server';
import * as accounts from '$lib/server/auth/accounts';
import { DomainError } from '$lib/server/errors';
import * as groups from '$lib/server/groups';
import { actor, foundationCast, ownerDb } from './helpers';
import { callEndpoint } from './route-call';

// The bad inputs that answered 500 or were taken silently (issue 12 §6), through the real route
// handlers: each is now a 400 that says what to fix, and nothing is written.

type Cast = Awaited<ReturnType<typeof foundationCast>>;
let cast: Cast;
let groupId: string;

beforeAll(async () => {
	cast = await foundationCast();
	groupId = (
		await groups.create(actor(cast.orgAdmin), { organisationId: cast.org.id, name: 'Cohort' })
	).id;
});

async function counts() {
	const [row] = await ownerDb()`
		select (select count(*)::int from public.groups) as groups,
		       (select count(*)::int from public.group_members) as members,
		       (select count(*)::int from public.groupings) as groupings,
		       (select count(*)::int from public.courses) as courses,
		       (select count(*)::int from public.enrolments) as enrolments,
		       (select count(*)::int from public.users) as users,
		       (select count(*)::int from public.audit_events) as audit`;
	return row;
}

async function expectRefused(
	run: () => Promise<{ status: number; body: unknown }>,
	message: string | RegExp
) {
	const before = await counts();
	const answer = await run();
	expect(answer.status, JSON.stringify(answer.body)).toBe(400);
	expect((answer.body as { error: { message: string } }).error.message).toMatch(message);
	expect(await counts()).toEqual(before);
}

describe('numbers out of range', () => {
	it.each([
		['9999999999999999999', 'The page is at most 1,000,000.'],
		['1000001', 'The page is at most 1,000,000.'],
		['0', 'The page must be at least 1.'],
		['-3', 'The page must be at least 1.'],
		['1.5', 'The page must be a whole number.'],
		['1e400', 'The page must be a whole number.']
	])('answers a participants page of %s with a 400, not a 500', async (page, message) => {
		await expectRefused(
			() =>
				callEndpoint(enrolmentsRoute.GET, {
					user: cast.instructor,
					params: { id: cast.course.id },
					query: `page=${page}`
				}),
			message
		);
	});

	it('still serves the last real page and an empty page past it', async () => {
		const answer = await callEndpoint(enrolmentsRoute.GET, {
			user: cast.instructor,
			params: { id: cast.course.id },
			query: 'page=1000000'
		});
		expect(answer.status).toBe(200);
		expect((answer.body as { items: unknown[] }).items).toEqual([]);
	});
});

describe('dates out of range', () => {
	it.each([
		['validFrom', '0000-01-01T00:00:00Z'],
		['validFrom', '1899-12-31T23:59:59Z'],
		['validUntil', '0001-01-01T00:00:00Z']
	])('refuses a membership %s of %s with a 400, and adds nobody', async (field, value) => {
		await expectRefused(
			() =>
				callEndpoint(membersRoute.POST, {
					user: cast.orgAdmin,
					params: { id: groupId },
					json: { userIds: [cast.learner.id], [field]: value }
				}),
			'Use a date between the years 1900 and 9999.'
		);
	});

	it('takes a date inside the range', async () => {
		const answer = await callEndpoint(membersRoute.POST, {
			user: cast.orgAdmin,
			params: { id: groupId },
			json: { userIds: [cast.fellow.id], validUntil: '9999-12-31T00:00:00Z' }
		});
		expect(answer.status).toBe(200);
	});
});

describe('names nobody can read', () => {
	const invisible = [
		['zero-width characters only', '\u200B\u200C\u200D\uFEFF', 'Use at least one visible'],
		['a Hangul filler', '\u3164', 'Use at least one visible'],
		['combining marks only', '\u0301\u0302', 'Use at least one visible'],
		['a right-to-left override', 'Team \u202Egnp.exe', 'Remove the right-to-left'],
		['a left-to-right embedding', '\u202AGroup', 'Remove the right-to-left'],
		['a right-to-left isolate', 'Group \u2067A\u2069', 'Remove the right-to-left']
	] as const;

	it.each(invisible)(
		'refuses a group name of %s, and creates nothing',
		async (_kind, name, message) => {
			await expectRefused(
				() =>
					callEndpoint(groupsRoute.POST, {
						user: cast.orgAdmin,
						json: { organisationId: cast.org.id, name }
					}),
				message
			);
		}
	);

	it.each(invisible)(
		'refuses a grouping, a course and a display name of %s',
		async (_kind, name, message) => {
			await expectRefused(
				() =>
					callEndpoint(groupingsRoute.POST, {
						user: cast.instructor,
						params: { id: cast.course.id },
						json: { name }
					}),
				message
			);
			await expectRefused(
				() =>
					callEndpoint(coursesRoute.POST, {
						user: cast.orgAdmin,
						params: { id: cast.org.id },
						json: { code: 'ZW1', name }
					}),
				message
			);
			const before = await counts();
			const error = await accounts
				.signUp(
					{ email: 'zw@example.test', displayName: name, password: 'plum orbit canvas' },
					{ ip: '203.0.113.9', origin: 'https://tessera.example' }
				)
				.catch((caught: unknown) => caught);
			expect(error).toBeInstanceOf(DomainError);
			expect((error as DomainError).message).toMatch(message);
			expect(await counts()).toEqual(before);
		}
	);

	it('keeps names in any script, with right-to-left marks, as typed', async () => {
		const name = 'مريم \u200Fالحسيني (RTL)';
		const answer = await callEndpoint(groupsRoute.POST, {
			user: cast.orgAdmin,
			json: { organisationId: cast.org.id, name }
		});
		expect(answer.status).toBe(201);
		expect((answer.body as { name: string }).name).toBe(name);
	});

	it('refuses the same names in a group CSV import, row by row, and creates only the good row', async () => {
		const before = await counts();
		const answer = await callEndpoint(groupImportsRoute.POST, {
			user: cast.instructor,
			params: { id: cast.course.id },
			csv: 'groupname\nGood group\n\u200B\u200B\nEvil \u202Eexe\n'
		});
		expect(answer.status).toBe(200);
		const report = answer.body as { rows: { line: number; status: string; message: string }[] };
		expect(report.rows.map((row) => [row.line, row.status])).toEqual([
			[2, 'created'],
			[3, 'error'],
			[4, 'error']
		]);
		expect(report.rows[1].message).toMatch(/visible character/);
		const created = await ownerDb()`
			select name from public.groups where course_id = ${cast.course.id} order by created_at`;
		expect(created.map((row) => row.name)).toEqual(['Good group']);
		expect((await counts()).groups).toBe(before.groups + 1);
	});
});

describe('malformed CSV', () => {
	// The old reader took an unterminated quote as a field that runs to the end of the file, so
	// "Beta" and "Gamma" became part of one group's name and the import went ahead.
	const unterminated = 'groupname,idnumber\nAlpha,A1\n"Beta,B1\nGamma,G1\n';

	it('blocks a course group import with an unterminated quote and names its line', async () => {
		await expectRefused(
			() =>
				callEndpoint(groupImportsRoute.POST, {
					user: cast.instructor,
					params: { id: cast.course.id },
					csv: unterminated
				}),
			/^Line 3 of the file cannot be read: a quoted field is never closed\. Nothing was imported/
		);
	});

	it('blocks an organisation group import and an enrolment CSV the same way', async () => {
		await expectRefused(
			() =>
				callEndpoint(orgImportRoute.POST, {
					user: cast.orgAdmin,
					params: { id: cast.org.id },
					csv: 'name,idnumber\nAlpha,A1\nBe"ta,B1\n'
				}),
			/^Line 3 of the file cannot be read: a quote appears inside a field/
		);
		await expectRefused(
			() =>
				callEndpoint(enrolmentCsvRoute.POST, {
					user: cast.instructor,
					params: { id: cast.course.id },
					csv: `email,role\n${cast.stranger.email},learner\n"${cast.otherLearner.email},learner\n`
				}),
			/^Line 3 of the file cannot be read/
		);
	});
});
