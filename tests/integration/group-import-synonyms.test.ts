import { beforeAll, describe, expect, it } from 'vitest';
import * as importsRoute from '../../src/routes/api/v1/courses/[id]/group-imports/+server';
import { callEndpoint } from './route-call';
import {
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';

// Group imports read Moodle's and Canvas's column names, name every column they do not use, send
// rows to the course a multi-course file names, and take members separated by commas. Each file
// here lost data before: its columns were dropped without a word.

let org: { id: string };
let instructor: TestUser;
let ana: TestUser;
let ben: TestUser;

type Report = {
	applied: boolean;
	rows: {
		line: number;
		status: string;
		message: string;
		courseCode: string;
		groupName: string;
		groupId?: string;
		memberCount?: number;
	}[];
	ignoredColumns: { column: string; reason: string }[];
};

async function importInto(courseId: string, csv: string, dryRun = false) {
	const answer = await callEndpoint(importsRoute.POST, {
		user: instructor,
		params: { id: courseId },
		query: dryRun ? 'dryRun=true' : '',
		csv
	});
	expect(answer.status).toBe(200);
	return answer.body as Report;
}

async function groupIn(courseId: string, name: string) {
	const [row] = await ownerDb()<
		{ id: string; idnumber: string | null; messaging_enabled: boolean; visibility: string }[]
	>`
		select id, idnumber, messaging_enabled, visibility from public.groups
		where course_id = ${courseId} and name = ${name}`;
	return row;
}

async function membersOf(groupId: string) {
	return (
		await ownerDb()<{ email: string }[]>`
			select u.email from public.group_members m join public.users u on u.id = m.user_id
			where m.group_id = ${groupId} order by u.email`
	).map((row) => row.email);
}

async function groupingOf(groupId: string) {
	const rows = await ownerDb()<{ name: string }[]>`
		select gr.name from public.grouping_groups gg join public.groupings gr on gr.id = gg.grouping_id
		where gg.group_id = ${groupId}`;
	return rows.map((row) => row.name);
}

async function freshCourse() {
	const course = await createCourse(org.id);
	await enrol(course.id, instructor.id, 'instructor');
	await enrol(course.id, ana.id);
	await enrol(course.id, ben.id);
	return course;
}

beforeAll(async () => {
	org = await createOrganisation();
	instructor = await createUser({ name: 'Import Instructor' });
	ana = await createUser({ name: 'Ana Import' });
	ben = await createUser({ name: 'Ben Import' });
	for (const person of [instructor, ana, ben]) await addOrganisationMember(org.id, person.id);
});

describe("Moodle's group import file", () => {
	it('keeps groupidnumber, enablemessaging, visibility and groupingname, and names enrolmentkey as ignored', async () => {
		const course = await freshCourse();
		const csv = [
			'groupname,description,enrolmentkey,groupidnumber,groupingname,enablemessaging,visibility',
			`Lab A,Tuesday,secret-key,LAB-A,Labs,0,0`,
			`Lab B,Thursday,,LAB-B,Labs,1,2`
		].join('\n');
		const preview = await importInto(course.id, csv, true);
		expect(preview.ignoredColumns).toEqual([
			{ column: 'enrolmentkey', reason: expect.stringContaining('not imported') }
		]);
		const report = await importInto(course.id, csv);
		expect(report.rows.map((row) => row.status)).toEqual(['created', 'created']);
		const labA = await groupIn(course.id, 'Lab A');
		expect(labA).toMatchObject({
			idnumber: 'LAB-A',
			messaging_enabled: false,
			visibility: 'scope'
		});
		expect(await groupIn(course.id, 'Lab B')).toMatchObject({
			idnumber: 'LAB-B',
			messaging_enabled: true,
			visibility: 'own'
		});
		expect(await groupingOf(labA.id)).toEqual(['Labs']);
	});

	it('sends each row to the course its coursename names, and reports an unknown course per row', async () => {
		const start = await freshCourse();
		const other = await freshCourse();
		const notMine = await createCourse(org.id);
		const csv = [
			'groupname,coursename,groupidnumber,members',
			`Here,,H1,${ana.email}`,
			`There,${other.code.toLowerCase()},T1,${ben.email}`,
			`Nowhere,NO-SUCH-COURSE,N1,`,
			`Forbidden,${notMine.code},F1,`
		].join('\n');
		const report = await importInto(start.id, csv);
		expect(report.rows.map((row) => [row.line, row.status, row.courseCode])).toEqual([
			[2, 'created', start.code],
			[3, 'created', other.code],
			[4, 'error', 'NO-SUCH-COURSE'],
			[5, 'error', notMine.code]
		]);
		expect(report.rows[2].message).toBe(
			'No course "NO-SUCH-COURSE" that you manage in this organisation: the row is skipped.'
		);
		expect(report.rows[3].message).toBe(
			report.rows[2].message.replace('NO-SUCH-COURSE', notMine.code)
		);
		const there = await groupIn(other.id, 'There');
		expect(there.idnumber).toBe('T1');
		expect(await membersOf(there.id)).toEqual([ben.email]);
		expect(await groupIn(start.id, 'There')).toBeUndefined();
		expect(await groupIn(notMine.id, 'Forbidden')).toBeUndefined();
	});

	it("reads Moodle's idnumber as the course's ID number when the file has groupidnumber", async () => {
		const start = await freshCourse();
		const other = await freshCourse();
		const report = await importInto(
			start.id,
			`groupname,idnumber,groupidnumber\nElsewhere,${other.code},E1\n`
		);
		expect(report.rows[0]).toMatchObject({ status: 'created', courseCode: other.code });
		expect((await groupIn(other.id, 'Elsewhere')).idnumber).toBe('E1');
	});
});

describe("Canvas's group columns", () => {
	it('reads group_name, group_id and the group set as group, ID number and grouping', async () => {
		const course = await freshCourse();
		const csv = [
			'group_name,group_id,group_category,canvas_group_id,status',
			'Team Red,SIS-RED,Project teams,101,available'
		].join('\n');
		const report = await importInto(course.id, csv);
		expect(report.ignoredColumns.map((c) => c.column)).toEqual(['canvas_group_id', 'status']);
		expect(report.ignoredColumns[1].reason).toBe('not a column the import knows');
		const red = await groupIn(course.id, 'Team Red');
		expect(red.idnumber).toBe('SIS-RED');
		expect(await groupingOf(red.id)).toEqual(['Project teams']);
	});

	it('takes "group set name" as the grouping', async () => {
		const course = await freshCourse();
		await importInto(course.id, 'Group name,Group set name\nTeam Blue,Studios\n');
		expect(await groupingOf((await groupIn(course.id, 'Team Blue')).id)).toEqual(['Studios']);
	});
});

describe("Canvas's one-row-per-person group export", () => {
	const header =
		'name,canvas_user_id,user_id,login_id,sections,group_name,canvas_group_id,group_id';

	it('makes one group of the rows with the same group, matching people by login_id or user_id', async () => {
		const course = await freshCourse();
		await ownerDb()`update public.users set idnumber = ${`S-BEN-${course.id}`} where id = ${ben.id}`;
		const csv = [
			header,
			`Ana Import,1001,,${ana.email},Section 1,Team Red,501,SIS-RED`,
			// Ben by his ID number only (Canvas's user_id is the SIS id).
			`Ben Import,1002,S-BEN-${course.id},,Section 1,Team Red,501,SIS-RED`,
			`Cara Nobody,1003,S-NONE,nobody@example.org,Section 2,Team Blue,502,SIS-BLUE`,
			`Ben Import,1002,S-BEN-${course.id},${ben.email},Section 1,Team Blue,502,SIS-BLUE`,
			`Dan Unassigned,1004,,dan@example.org,Section 2,,,`
		].join('\n');
		const preview = await importInto(course.id, csv, true);
		expect(preview.ignoredColumns.map((c) => c.column)).toEqual([
			'canvas_user_id',
			'sections',
			'canvas_group_id'
		]);
		expect(
			preview.rows.map((row) => [row.line, row.status, row.groupName, row.memberCount])
		).toEqual([
			[2, 'created', 'Team Red', 2],
			[4, 'created', 'Team Blue', 1],
			[6, 'skipped', '', undefined]
		]);
		expect(preview.rows[1].message).toBe(
			'Group "Team Blue" with 1 member. Skipped: line 4: Cara Nobody, login_id nobody@example.org, user_id S-NONE is not a participant of this course.'
		);
		expect(preview.rows[2].message).toBe(
			'Dan Unassigned is in no group of the file (unassigned): skipped.'
		);
		expect(await groupIn(course.id, 'Team Red')).toBeUndefined();

		const report = await importInto(course.id, csv);
		expect(report.rows.map((row) => row.status)).toEqual(['created', 'created', 'skipped']);
		const red = await groupIn(course.id, 'Team Red');
		expect(red.idnumber).toBe('SIS-RED');
		expect(await membersOf(red.id)).toEqual([ana.email, ben.email].sort());
		expect(await membersOf((await groupIn(course.id, 'Team Blue')).id)).toEqual([ben.email]);
	});

	it('keys groups by group_id when there is one, and by name (without case) otherwise', async () => {
		const course = await freshCourse();
		const csv = [
			'login_id,group_name,group_id',
			`${ana.email},Lab,L-1`,
			`${ben.email},Lab (renamed),L-1`,
			`${ana.email},Studio,`,
			`${ben.email},studio,`
		].join('\n');
		const report = await importInto(course.id, csv);
		expect(report.rows.map((row) => [row.line, row.groupName, row.memberCount])).toEqual([
			[2, 'Lab', 2],
			[4, 'Studio', 2]
		]);
		expect(report.ignoredColumns).toEqual([]);
	});

	it('reports a row whose login_id and user_id name two different people, and adds neither', async () => {
		const course = await freshCourse();
		await ownerDb()`update public.users set idnumber = ${`S-ANA-${course.id}`} where id = ${ana.id}`;
		const report = await importInto(
			course.id,
			`name,user_id,login_id,group_name\nMixed,S-ANA-${course.id},${ben.email},Mixed up\n`
		);
		expect(report.rows[0]).toMatchObject({ status: 'created', memberCount: 0 });
		expect(report.rows[0].message).toContain(
			'line 2: Mixed, login_id ' +
				ben.email +
				`, user_id S-ANA-${course.id}: login_id and user_id name two different participants of this course`
		);
		await ownerDb()`update public.users set idnumber = null where id = ${ana.id}`;
	});

	it('still lists a bare name column as ignored in a file without login_id or user_id', async () => {
		const course = await freshCourse();
		const report = await importInto(course.id, 'name,group_name\nAna,Solo\n');
		expect(report.ignoredColumns).toEqual([
			{ column: 'name', reason: expect.stringContaining('matched by login_id or user_id') }
		]);
	});
});

describe('the members column', () => {
	it('takes commas as well as semicolons and spaces', async () => {
		const course = await freshCourse();
		const report = await importInto(
			course.id,
			`groupname,members\n"Commas","${ana.email}, ${ben.email}"\n`
		);
		expect(report.rows[0]).toMatchObject({
			status: 'created',
			message: 'Group "Commas" with 2 members.'
		});
		expect(await membersOf((await groupIn(course.id, 'Commas')).id)).toEqual(
			[ana.email, ben.email].sort()
		);
	});
});

describe('bad values', () => {
	it('reports a row whose enablemessaging or visibility it cannot read, and keeps the others', async () => {
		const course = await freshCourse();
		const report = await importInto(
			course.id,
			'groupname,enablemessaging,visibility\nOne,maybe,\nTwo,,7\nThree,yes,hidden\n'
		);
		expect(report.rows.map((row) => row.status)).toEqual(['error', 'error', 'created']);
		expect(report.rows[0].message).toContain('Messaging is "maybe"');
		expect(report.rows[1].message).toContain('The visibility "7"');
		expect(await groupIn(course.id, 'Three')).toMatchObject({ visibility: 'hidden' });
	});
});
