import { DomainError } from '$lib/server/errors';
import { parseCsv } from '$lib/server/csv';

/** A column the import read past, and why. */
export type IgnoredColumn = { column: string; reason: string };

export const MAX_IMPORT_ROWS = 1000;
/** A one-row-per-person file (Canvas's) has a row per member: 1,000 groups of 10 and then some. */
export const MAX_PERSON_ROWS = 10_000;

type Field =
	| 'groupname'
	| 'description'
	| 'idnumber'
	| 'groupingname'
	| 'members'
	| 'course'
	| 'messaging'
	| 'visibility'
	| 'login'
	| 'personid'
	| 'personname';

/**
 * Header names (without case, spaces, hyphens or underscores) and what they fill: Tessera's own,
 * Moodle's group import (groupidnumber, coursename, enablemessaging, visibility…) and Canvas's
 * (group_name, group_id, group_category/group set, course_id, and its one-row-per-person export's
 * login_id and user_id). Moodle's `idnumber` is the course's ID number when the file also has
 * `groupidnumber`, the group's otherwise; `name` is the person's in a one-row-per-person file.
 */
const SYNONYMS: Record<string, Field> = {
	groupname: 'groupname',
	description: 'description',
	groupdescription: 'description',
	idnumber: 'idnumber',
	groupidnumber: 'idnumber',
	groupid: 'idnumber',
	groupingname: 'groupingname',
	grouping: 'groupingname',
	groupcategory: 'groupingname',
	groupcategoryname: 'groupingname',
	categoryname: 'groupingname',
	groupset: 'groupingname',
	groupsetname: 'groupingname',
	members: 'members',
	coursename: 'course',
	course: 'course',
	courseshortname: 'course',
	coursecode: 'course',
	courseidnumber: 'course',
	courseid: 'course',
	enablemessaging: 'messaging',
	messaging: 'messaging',
	messagingenabled: 'messaging',
	visibility: 'visibility',
	loginid: 'login',
	userid: 'personid',
	sisuserid: 'personid'
};

/** Columns of Moodle's and Canvas's files that have no counterpart here, with the reason. */
const NOT_IMPORTED: Record<string, string> = {
	enrolmentkey: 'group enrolment keys are not imported: set them on the group',
	picture: 'group pictures are not imported',
	hidepicture: 'group pictures are not imported',
	participation: 'Tessera has no participation setting: activities follow the group mode',
	canvasgroupid: 'Canvas’s own ids are not kept: use group_id for an ID number',
	groupcategoryid: 'a group set is matched by its name (group_category), not its id',
	name: 'a name alone does not say who someone is: people are matched by login_id or user_id (or list them in the members column)',
	canvasuserid: 'Canvas’s own ids are not kept: people are matched by login_id or user_id',
	sections: 'sections are not imported'
};

const normalise = (name: string) =>
	name
		.trim()
		.toLowerCase()
		.replace(/[\s_-]+/g, '');

/** A person named on a row of a one-row-per-person file. */
export type PersonRow = { line: number; login: string; personId: string; name: string };

export type Parsed = {
	line: number;
	groupName: string;
	description: string;
	idnumber: string;
	groupingName: string;
	course: string;
	messaging: string;
	visibility: string;
	emails: string[];
	/** One-row-per-person files: the people of the group's rows, matched by login or ID number. */
	people: PersonRow[];
};

export type ImportRows = {
	rows: Parsed[];
	ignoredColumns: IgnoredColumn[];
	/** Rows of a one-row-per-person file that name a person and no group (Canvas's "unassigned"). */
	unassigned: PersonRow[];
};

/**
 * Rows of a group import. The first row names the columns (groupname is required, the others
 * optional in any order, Moodle's and Canvas's names accepted); columns it does not use are
 * listed with the reason. Members are separated by semicolons, commas or spaces. A file with
 * login_id or user_id has a row per person (Canvas's group export): rows with the same group
 * (its group_id, else its name, in the same course) make one group, the first of them giving the
 * group's settings.
 */
export function importRows(csvText: string): ImportRows {
	const rows = parseCsv(csvText);
	if (rows.length === 0) throw new DomainError(400, 'empty_file', 'The file has no rows.');
	const header = rows[0].cells.map(normalise);
	const moodleCourseIdnumber = header.includes('groupidnumber') || header.includes('groupid');
	const perPerson = header.some(
		(name) => SYNONYMS[name] === 'login' || SYNONYMS[name] === 'personid'
	);
	const columns = new Map<Field, number[]>();
	const ignoredColumns: IgnoredColumn[] = [];
	header.forEach((name, index) => {
		const original = rows[0].cells[index].trim();
		if (!name) return;
		const field =
			name === 'idnumber' && moodleCourseIdnumber
				? 'course'
				: name === 'name' && perPerson
					? 'personname'
					: SYNONYMS[name];
		if (field) {
			columns.set(field, [...(columns.get(field) ?? []), index]);
		} else {
			ignoredColumns.push({
				column: original,
				reason: NOT_IMPORTED[name] ?? 'not a column the import knows'
			});
		}
	});
	if (!columns.has('groupname')) {
		throw new DomainError(
			400,
			'missing_column',
			'The first row must name the columns, with at least "groupname" (and optionally description, idnumber, groupingname, members, coursename, enablemessaging, visibility, or login_id and user_id for a row per person).'
		);
	}
	const body = rows.slice(1);
	if (body.length === 0) {
		throw new DomainError(400, 'empty_file', 'The file has no groups below its header.');
	}
	const most = perPerson ? MAX_PERSON_ROWS : MAX_IMPORT_ROWS;
	if (body.length > most) {
		throw new DomainError(
			413,
			'too_many_rows',
			perPerson
				? `The file has ${body.length} rows; import at most ${most} at a time.`
				: `The file has ${body.length} groups; import at most ${most} at a time.`
		);
	}
	// Where two columns fill one field (coursename and a course ID number), the first filled wins.
	const cell = (cells: string[], field: Field) =>
		(columns.get(field) ?? []).map((index) => (cells[index] ?? '').trim()).find(Boolean) ?? '';
	const parsed = body.map(({ line, cells }) => {
		const login = cell(cells, 'login');
		const personId = cell(cells, 'personid');
		return {
			line,
			groupName: cell(cells, 'groupname'),
			description: cell(cells, 'description'),
			idnumber: cell(cells, 'idnumber'),
			groupingName: cell(cells, 'groupingname'),
			course: cell(cells, 'course'),
			messaging: cell(cells, 'messaging'),
			visibility: cell(cells, 'visibility'),
			emails: cell(cells, 'members')
				.split(/[;,\s]+/)
				.map((token) => token.trim())
				.filter(Boolean),
			people: login || personId ? [{ line, login, personId, name: cell(cells, 'personname') }] : []
		};
	});
	if (!perPerson) return { rows: parsed, ignoredColumns, unassigned: [] };
	const groups = new Map<string, Parsed>();
	const unassigned: PersonRow[] = [];
	for (const row of parsed) {
		if (!row.groupName && !row.idnumber) {
			unassigned.push(
				...(row.people.length > 0
					? row.people
					: [{ line: row.line, login: '', personId: '', name: '' }])
			);
			continue;
		}
		const key = `${row.course.toLowerCase()}\n${row.idnumber ? `#${row.idnumber}` : row.groupName.toLowerCase()}`;
		const group = groups.get(key);
		if (group) {
			group.people.push(...row.people);
			group.emails.push(...row.emails);
		} else {
			groups.set(key, row);
		}
	}
	if (groups.size > MAX_IMPORT_ROWS) {
		throw new DomainError(
			413,
			'too_many_rows',
			`The file has ${groups.size} groups; import at most ${MAX_IMPORT_ROWS} at a time.`
		);
	}
	return { rows: [...groups.values()], ignoredColumns, unassigned };
}
