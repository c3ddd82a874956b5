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
import { DomainError } from '$lib/server/errors';
import { parseCsv } from '$lib/server/csv';
import { email as emailSchema, isReadableName } from '$lib/schemas/common';

export type ImportStatus = 'created' | 'created_without_idnumber' | 'error';

export type ImportRow = {
	line: number;
	groupName: string;
	status: ImportStatus;
	message: string;
	/** The new group (apply only). */
	groupId?: string;
	/** How many members were added (apply) or will be (preview). */
	memberCount?: number;
};

export const MAX_IMPORT_ROWS = 1000;
const COLUMNS = ['groupname', 'description', 'idnumber', 'groupingname', 'members'] as const;

type Parsed = {
	line: number;
	groupName: string;
	description: string;
	idnumber: string;
	groupingName: string;
	emails: string[];
};

/**
 * Rows of a group import. The first row names the columns (groupname is required; description,
 * idnumber, groupingname and members are optional, in any order, names without case or spaces).
 */
export function importRows(csvText: string): Parsed[] {
	const rows = parseCsv(csvText);
	if (rows.length === 0) throw new DomainError(400, 'empty_file', 'The file has no rows.');
	const header = rows[0].cells.map((cell) =>
		cell
			.trim()
			.toLowerCase()
			.replace(/[\s_-]+/g, '')
	);
	const column = Object.fromEntries(COLUMNS.map((name) => [name, header.indexOf(name)])) as Record<
		(typeof COLUMNS)[number],
		number
	>;
	if (column.groupname < 0) {
		throw new DomainError(
			400,
			'missing_column',
			'The first row must name the columns, with at least "groupname" (and optionally description, idnumber, groupingname, members).'
		);
	}
	const body = rows.slice(1);
	if (body.length === 0) {
		throw new DomainError(400, 'empty_file', 'The file has no groups below its header.');
	}
	if (body.length > MAX_IMPORT_ROWS) {
		throw new DomainError(
			413,
			'too_many_rows',
			`The file has ${body.length} groups; import at most ${MAX_IMPORT_ROWS} at a time.`
		);
	}
	const cell = (cells: string[], index: number) => (index >= 0 ? (cells[index] ?? '').trim() : '');
	return body.map(({ line, cells }) => ({
		line,
		groupName: cell(cells, column.groupname),
		description: cell(cells, column.description),
		idnumber: cell(cells, column.idnumber),
		groupingName: cell(cells, column.groupingname),
		emails: cell(cells, column.members)
			.split(/[;\s]+/)
			.map((token) => token.trim())
			.filter(Boolean)
	}));
}

type Planned = ImportRow & {
	parsed: Parsed;
	keepIdnumber: boolean;
	userIds: string[];
};

async function plan(tx: Tx, courseId: string, parsed: Parsed[]): Promise<Planned[]> {
	const existing = await tx<{ name: string; idnumber: string | null }[]>`
		select name, idnumber from public.groups where course_id = ${courseId}`;
	const names = new Set(existing.map((row) => row.name.trim().toLowerCase()));
	const idnumbers = new Set(existing.flatMap((row) => (row.idnumber ? [row.idnumber] : [])));
	const allEmails = [
		...new Set(parsed.flatMap((row) => row.emails.map((email) => email.toLowerCase())))
	];
	// Members must be participants of the course: staff see every enrolment of their course.
	const people = await tx<{ email: string; id: string }[]>`
		select u.email, u.id from public.enrolments e join public.users u on u.id = e.user_id
		where e.course_id = ${courseId} and u.email = any(${allEmails}::text[])`;
	const byEmail = new Map(people.map((row) => [row.email, row.id]));
	return parsed.map((row): Planned => {
		const base = {
			line: row.line,
			groupName: row.groupName,
			parsed: row,
			keepIdnumber: false,
			userIds: []
		};
		const fail = (message: string): Planned => ({ ...base, status: 'error', message });
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
		if (Object.values(row).join('').includes('\u0000')) {
			return fail('The row contains a NUL character.');
		}
		const key = row.groupName.toLowerCase();
		if (names.has(key)) {
			return fail(`A group named "${row.groupName}" already exists in this course.`);
		}
		const problems: string[] = [];
		const userIds: string[] = [];
		for (const raw of new Set(row.emails.map((email) => email.toLowerCase()))) {
			const email = v.safeParse(emailSchema, raw);
			const id = email.success ? byEmail.get(email.output) : undefined;
			if (!email.success) problems.push(`"${raw}" is not an email address`);
			else if (!id) problems.push(`${raw} is not a participant of this course`);
			else userIds.push(id);
		}
		names.add(key);
		const memberText =
			userIds.length > 0 ? ` with ${userIds.length} member${userIds.length === 1 ? '' : 's'}` : '';
		const skipped = problems.length > 0 ? ` Skipped: ${problems.join('; ')}.` : '';
		if (row.idnumber && idnumbers.has(row.idnumber)) {
			return {
				...base,
				userIds,
				memberCount: userIds.length,
				status: 'created_without_idnumber',
				message: `Group "${row.groupName}"${memberText}, without the idnumber "${row.idnumber}": another group of this course uses it.${skipped}`
			};
		}
		if (row.idnumber) idnumbers.add(row.idnumber);
		return {
			...base,
			userIds,
			keepIdnumber: Boolean(row.idnumber),
			memberCount: userIds.length,
			status: 'created',
			message: `Group "${row.groupName}"${memberText}.${skipped}`
		};
	});
}

function report(rows: Planned[]): ImportRow[] {
	return rows.map(({ parsed: _parsed, keepIdnumber: _keep, userIds: _users, ...row }) => row);
}

/** What an import would do, row by row; nothing is written. */
export async function previewImport(actor: Actor, courseId: string, csvText: string) {
	const parsed = importRows(csvText);
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.manage', courseId);
		return report(await plan(tx, courseId, parsed));
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
): Promise<ImportRow[]> {
	const parsed = importRows(csvText);
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'course.manage', courseId);
			const rows = await plan(tx, courseId, parsed);
			const [{ organisation_id }] = await tx<{ organisation_id: string }[]>`
				select organisation_id from public.courses where id = ${courseId}`;
			const groupings = new Map(
				(
					await tx<{ id: string; name: string }[]>`
						select id, name from public.groupings where course_id = ${courseId}`
				).map((row) => [row.name.trim().toLowerCase(), row.id])
			);
			for (const row of rows) {
				if (row.status === 'error') continue;
				const groupId = crypto.randomUUID();
				await tx`savepoint import_row`;
				try {
					await tx`
						insert into public.groups (id, scope, organisation_id, course_id, kind, name, idnumber, description, created_by)
						values (${groupId}, 'course', ${organisation_id}, ${courseId}, 'group', ${row.groupName},
						        ${row.keepIdnumber ? row.parsed.idnumber : null}, ${row.parsed.description}, ${actor?.id ?? null})`;
					if (row.userIds.length > 0) {
						await tx`
							insert into public.group_members (group_id, user_id, role, source, added_by)
							select ${groupId}, unnest(${row.userIds}::uuid[]), 'member', 'manual', ${actor?.id ?? null}`;
					}
					let createdGrouping = '';
					if (row.parsed.groupingName) {
						const key = row.parsed.groupingName.toLowerCase();
						let groupingId = groupings.get(key);
						if (!groupingId) {
							groupingId = crypto.randomUUID();
							await tx`
								insert into public.groupings (id, course_id, name, created_by)
								values (${groupingId}, ${courseId}, ${row.parsed.groupingName}, ${actor?.id ?? null})`;
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
			return report(rows);
		},
		via
	);
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
