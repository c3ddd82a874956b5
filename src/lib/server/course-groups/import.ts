import * as v from 'valibot';
import { requireAccess } from '$lib/server/access';
import {
	isGroupFull,
	isPgError,
	PG,
	readAs,
	withUser,
	type Actor,
	type Tx,
	type Via
} from '$lib/server/db';
import {
	importRows,
	MAX_IMPORT_ROWS,
	type IgnoredColumn,
	type Parsed,
	type PersonRow
} from './import-read';
import { email as emailSchema, isReadableName } from '$lib/schemas/common';
import type { Visibility } from '$lib/server/groups';

export type ImportStatus = 'created' | 'created_without_idnumber' | 'skipped' | 'error';

export type ImportRow = {
	line: number;
	groupName: string;
	/** The code of the course the row goes to (the file may name another course per row). */
	courseCode: string;
	status: ImportStatus;
	message: string;
	/** The new group (apply only). */
	groupId?: string;
	/** How many members were added (apply) or will be (preview). */
	memberCount?: number;
};

export type ImportReport = { rows: ImportRow[]; ignoredColumns: IgnoredColumn[] };

export { importRows, MAX_IMPORT_ROWS, type IgnoredColumn };

const YES = new Set(['1', 'yes', 'y', 'true', 'on']);
const NO = new Set(['0', 'no', 'n', 'false', 'off']);

/** Moodle's visibility numbers (0 all … 3 none) and Tessera's words. */
const VISIBILITY: Record<string, Visibility> = {
	'0': 'scope',
	all: 'scope',
	scope: 'scope',
	everyone: 'scope',
	'1': 'members',
	members: 'members',
	'2': 'own',
	own: 'own',
	'3': 'hidden',
	none: 'hidden',
	hidden: 'hidden'
};

type Course = { id: string; code: string; organisationId: string };

type Planned = ImportRow & {
	parsed: Parsed;
	course: Course | null;
	keepIdnumber: boolean;
	userIds: string[];
	messagingEnabled: boolean;
	visibility: Visibility;
};

/**
 * The courses a file's rows go to: the one the import started from, or the course a row names
 * (by code, without case) among the courses of the same organisation the caller manages. A
 * course that is not there and one the caller does not manage read the same.
 */
async function coursesOf(tx: Tx, startId: string, parsed: Parsed[]) {
	const [start] = await tx<Course[]>`
		select id, code, organisation_id as "organisationId" from public.courses where id = ${startId}`;
	const wanted = [...new Set(parsed.map((row) => row.course.toLowerCase()).filter(Boolean))];
	const named =
		wanted.length === 0
			? []
			: await tx<Course[]>`
				select c.id, c.code, c.organisation_id as "organisationId" from public.courses c
				where c.organisation_id = ${start.organisationId} and lower(c.code) = any(${wanted}::text[])
				  and c.id = any((select public.may_manage_courses(array(
				    select id from public.courses where organisation_id = ${start.organisationId})))::uuid[])`;
	const byCode = new Map(named.map((course) => [course.code.toLowerCase(), course]));
	return (row: Parsed): Course | null =>
		row.course ? (byCode.get(row.course.toLowerCase()) ?? null) : start;
}

async function plan(tx: Tx, startId: string, parsed: Parsed[]): Promise<Planned[]> {
	const courseOf = await coursesOf(tx, startId, parsed);
	const courseIds = [
		...new Set(parsed.map((row) => courseOf(row)?.id).filter((id): id is string => Boolean(id)))
	];
	const existing = await tx<{ courseId: string; name: string; idnumber: string | null }[]>`
		select course_id as "courseId", name, idnumber from public.groups
		where course_id = any(${courseIds}::uuid[])`;
	const names = new Set(existing.map((row) => `${row.courseId}:${row.name.trim().toLowerCase()}`));
	const idnumbers = new Set(
		existing.flatMap((row) => (row.idnumber ? [`${row.courseId}:${row.idnumber}`] : []))
	);
	const allEmails = [
		...new Set(
			parsed.flatMap((row) =>
				[...row.emails, ...row.people.map((person) => person.login)]
					.filter(Boolean)
					.map((email) => email.toLowerCase())
			)
		)
	];
	// Members must be participants of the row's course: staff see every enrolment of their course
	// (and, through the address rule, the addresses of the people they manage).
	const people = await tx<{ courseId: string; email: string; id: string }[]>`
		select e.course_id as "courseId", ve.email, u.id from public.enrolments e
		join public.users u on u.id = e.user_id
		join private.visible_emails() ve on ve.user_id = u.id
		where e.course_id = any(${courseIds}::uuid[]) and ve.email = any(${allEmails}::text[])`;
	const byEmail = new Map(people.map((row) => [`${row.courseId}:${row.email}`, row.id]));
	const byPersonId = await personIdsOf(tx, courseIds, parsed);
	return parsed.map((row): Planned => {
		const course = courseOf(row);
		const base = {
			line: row.line,
			groupName: row.groupName,
			courseCode: course?.code ?? row.course,
			parsed: row,
			course,
			keepIdnumber: false,
			userIds: [],
			messagingEnabled: true,
			visibility: 'members' as Visibility
		};
		const fail = (message: string): Planned => ({ ...base, status: 'error', message });
		if (!course) {
			return fail(
				`No course "${row.course}" that you manage in this organisation: the row is skipped.`
			);
		}
		if (!row.groupName) return fail('The group name is missing.');
		if (row.groupName.length > 200) return fail('The group name is longer than 200 characters.');
		if (!isReadableName(row.groupName) || (row.groupingName && !isReadableName(row.groupingName))) {
			return fail('Names need a visible character and no right-to-left or left-to-right controls.');
		}
		if (row.description.length > 5000) {
			return fail('The description is longer than 5,000 characters.');
		}
		if (row.idnumber.length > 100) return fail('The idnumber is longer than 100 characters.');
		if (row.groupingName.length > 200) {
			return fail('The grouping name is longer than 200 characters.');
		}
		if (hasNul(row)) {
			return fail('The row contains a NUL character.');
		}
		const messaging = row.messaging.toLowerCase();
		if (messaging && !YES.has(messaging) && !NO.has(messaging)) {
			return fail(`Messaging is "${row.messaging}": write 1 or 0 (yes or no).`);
		}
		const visibility = row.visibility ? VISIBILITY[row.visibility.toLowerCase()] : 'members';
		if (!visibility) {
			return fail(
				`The visibility "${row.visibility}" is not one of 0–3 (Moodle's) or scope, members, own, hidden.`
			);
		}
		const here = course.id === startId ? 'this course' : course.code;
		const key = `${course.id}:${row.groupName.toLowerCase()}`;
		if (names.has(key)) {
			return fail(`A group named "${row.groupName}" already exists in ${here}.`);
		}
		const problems: string[] = [];
		const userIds: string[] = [];
		for (const raw of new Set(row.emails.map((email) => email.toLowerCase()))) {
			const email = v.safeParse(emailSchema, raw);
			const id = email.success ? byEmail.get(`${course.id}:${email.output}`) : undefined;
			if (!email.success) problems.push(`"${raw}" is not an email address`);
			else if (!id) problems.push(`${raw} is not a participant of ${here}`);
			else userIds.push(id);
		}
		for (const person of row.people) {
			const found = personOf(person, course.id, byEmail, byPersonId);
			if ('problem' in found) problems.push(`line ${person.line}: ${found.problem} ${here}`);
			else if (!userIds.includes(found.id)) userIds.push(found.id);
		}
		names.add(key);
		const memberText =
			userIds.length > 0 ? ` with ${userIds.length} member${userIds.length === 1 ? '' : 's'}` : '';
		const skipped = problems.length > 0 ? ` Skipped: ${problems.join('; ')}.` : '';
		const where = course.id === startId ? '' : ` in ${course.code}`;
		const settings = { messagingEnabled: !NO.has(messaging), visibility };
		if (row.idnumber && idnumbers.has(`${course.id}:${row.idnumber}`)) {
			return {
				...base,
				...settings,
				userIds,
				memberCount: userIds.length,
				status: 'created_without_idnumber',
				message: `Group "${row.groupName}"${where}${memberText}, without the idnumber "${row.idnumber}": another group of ${here} uses it.${skipped}`
			};
		}
		if (row.idnumber) idnumbers.add(`${course.id}:${row.idnumber}`);
		return {
			...base,
			...settings,
			userIds,
			keepIdnumber: Boolean(row.idnumber),
			memberCount: userIds.length,
			status: 'created',
			message: `Group "${row.groupName}"${where}${memberText}.${skipped}`
		};
	});
}

/**
 * One-row-per-person files name people by login_id (an email: Tessera signs in by email) or
 * user_id (the ID number, `users.idnumber`), among the participants of the row's course.
 */
async function personIdsOf(tx: Tx, courseIds: string[], parsed: Parsed[]) {
	const wanted = [
		...new Set(parsed.flatMap((row) => row.people.map((person) => person.personId).filter(Boolean)))
	];
	if (wanted.length === 0) return new Map<string, string>();
	const rows = await tx<{ courseId: string; idnumber: string; id: string }[]>`
		select e.course_id as "courseId", u.idnumber, u.id from public.enrolments e
		join public.users u on u.id = e.user_id
		where e.course_id = any(${courseIds}::uuid[]) and u.idnumber = any(${wanted}::text[])`;
	return new Map(rows.map((row) => [`${row.courseId}:${row.idnumber}`, row.id]));
}

/** Who a person row names in a course, or why nobody: login_id first, then user_id. */
function personOf(
	person: PersonRow,
	courseId: string,
	byEmail: Map<string, string>,
	byPersonId: Map<string, string>
): { id: string } | { problem: string } {
	const login = person.login.toLowerCase();
	const email = login ? v.safeParse(emailSchema, login) : null;
	const byLogin = email?.success ? byEmail.get(`${courseId}:${email.output}`) : undefined;
	const byId = person.personId ? byPersonId.get(`${courseId}:${person.personId}`) : undefined;
	const who = [
		person.name,
		person.login && `login_id ${person.login}`,
		person.personId && `user_id ${person.personId}`
	]
		.filter(Boolean)
		.join(', ');
	if (byLogin && byId && byLogin !== byId) {
		return { problem: `${who}: login_id and user_id name two different participants of` };
	}
	const id = byLogin ?? byId;
	return id ? { id } : { problem: `${who} is not a participant of` };
}

/** The report's rows for people a one-row-per-person file puts in no group. */
function unassignedRows(unassigned: PersonRow[], courseCode: string): ImportRow[] {
	return unassigned.map((person) => {
		const who = person.name || person.login || person.personId;
		return {
			line: person.line,
			groupName: '',
			courseCode,
			status: 'skipped',
			message: who
				? `${who} is in no group of the file (unassigned): skipped.`
				: 'The row names no group and no person: skipped.'
		};
	});
}

function report(rows: Planned[]): ImportRow[] {
	return rows.map(
		({
			parsed: _parsed,
			course: _course,
			keepIdnumber: _keep,
			userIds: _users,
			messagingEnabled: _messaging,
			visibility: _visibility,
			...row
		}) => row
	);
}

/** What an import would do, row by row; nothing is written. */
export async function previewImport(
	actor: Actor,
	courseId: string,
	csvText: string
): Promise<ImportReport> {
	const { rows: parsed, ignoredColumns, unassigned } = importRows(csvText);
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.manage', courseId);
		const rows = report(await plan(tx, courseId, parsed));
		return {
			rows: byLine([...rows, ...unassignedRows(unassigned, await codeOf(tx, courseId))]),
			ignoredColumns
		};
	});
}

/**
 * Creates the groups, their groupings (by name, created when missing) and members, row by row:
 * a row that fails is reported and undone alone (a savepoint), the others are kept.
 */
export async function applyImport(
	actor: Actor,
	courseId: string,
	csvText: string,
	via: Via = 'csv'
): Promise<ImportReport> {
	const { rows: parsed, ignoredColumns, unassigned } = importRows(csvText);
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'course.manage', courseId);
			const rows = await plan(tx, courseId, parsed);
			const courseIds = [...new Set(rows.flatMap((row) => (row.course ? [row.course.id] : [])))];
			// Groupings by course and name (lower case).
			const groupings = new Map(
				(
					await tx<{ id: string; courseId: string; name: string }[]>`
						select id, course_id as "courseId", name from public.groupings
						where course_id = any(${courseIds}::uuid[])`
				).map((row) => [`${row.courseId}:${row.name.trim().toLowerCase()}`, row.id])
			);
			for (const row of rows) {
				if (row.status === 'error' || !row.course) continue;
				const course = row.course;
				const groupId = crypto.randomUUID();
				await tx`savepoint import_row`;
				try {
					await tx`
						insert into public.groups (id, scope, organisation_id, course_id, kind, name, idnumber, description,
						                           visibility, messaging_enabled, created_by)
						values (${groupId}, 'course', ${course.organisationId}, ${course.id}, 'group', ${row.groupName},
						        ${row.keepIdnumber ? row.parsed.idnumber : null}, ${row.parsed.description},
						        ${row.visibility}, ${row.messagingEnabled}, ${actor?.id ?? null})`;
					if (row.userIds.length > 0) {
						await tx`
							insert into public.group_members (group_id, user_id, role, source, added_by)
							select ${groupId}, unnest(${row.userIds}::uuid[]), 'member', 'manual', ${actor?.id ?? null}`;
					}
					let createdGrouping = '';
					if (row.parsed.groupingName) {
						const key = `${course.id}:${row.parsed.groupingName.toLowerCase()}`;
						let groupingId = groupings.get(key);
						if (!groupingId) {
							groupingId = crypto.randomUUID();
							await tx`
								insert into public.groupings (id, course_id, name, created_by)
								values (${groupingId}, ${course.id}, ${row.parsed.groupingName}, ${actor?.id ?? null})`;
							createdGrouping = ` Created the grouping "${row.parsed.groupingName}".`;
						}
						await tx`
							insert into public.grouping_groups (grouping_id, group_id) values (${groupingId}, ${groupId})`;
						groupings.set(key, groupingId);
					}
					await tx`release savepoint import_row`;
					row.groupId = groupId;
					row.message += createdGrouping;
				} catch (error) {
					await tx`rollback to savepoint import_row`;
					row.status = 'error';
					row.memberCount = 0;
					row.message = rowError(error);
					// A grouping created in the undone row is gone too.
					for (const [key, id] of groupings) {
						const [still] = await tx`select 1 from public.groupings where id = ${id}`;
						if (!still) groupings.delete(key);
					}
				}
			}
			const skipped = unassignedRows(unassigned, await codeOf(tx, courseId));
			return { rows: byLine([...report(rows), ...skipped]), ignoredColumns };
		},
		via
	);
}

/** Whether a string anywhere in the row (its people included) holds U+0000. */
function hasNul(value: unknown): boolean {
	if (typeof value === 'string') return value.includes('\u0000');
	if (value !== null && typeof value === 'object') return Object.values(value).some(hasNul);
	return false;
}

const byLine = (rows: ImportRow[]) => rows.sort((a, b) => a.line - b.line);

async function codeOf(tx: Tx, courseId: string) {
	const [course] = await tx<
		{ code: string }[]
	>`select code from public.courses where id = ${courseId}`;
	return course?.code ?? '';
}

function rowError(error: unknown): string {
	if (isGroupFull(error)) return 'The group is full.';
	if (
		isPgError(error, PG.checkViolation) &&
		(error.hint === 'exclusive_grouping' || error.hint === 'grouping_full')
	) {
		return error.message;
	}
	if (isPgError(error, PG.uniqueViolation)) {
		return 'The idnumber or name is already used in this course.';
	}
	if (isPgError(error, PG.checkViolation)) return `The row breaks a rule: ${error.message}`;
	throw error;
}
