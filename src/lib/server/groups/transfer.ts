import { requireAccess } from '$lib/server/access';
import { withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError } from '$lib/server/errors';
import { toCsv } from '$lib/csv';
import { parseCsv } from '$lib/server/csv';
import * as v from 'valibot';
import { email as emailSchema, isReadableName } from '$lib/schemas/common';

export const MAX_IMPORT_ROWS = 5000;

export type ImportRowStatus = 'create' | 'add' | 'update' | 'unchanged' | 'error';
export type ImportRow = {
	line: number;
	status: ImportRowStatus;
	message: string;
	values: Record<string, string>;
};
export type ImportReport = {
	rows: ImportRow[];
	counts: Record<ImportRowStatus, number>;
	/** True when a problem blocks the whole file: nothing is written. */
	blocked: boolean;
	applied: boolean;
};

function table(text: string, required: string[]) {
	const rows = parseCsv(text);
	if (rows.length === 0) throw new DomainError(400, 'empty_file', 'The file has no rows.');
	const header = rows[0].cells.map((cell) => cell.trim().toLowerCase().replace(/\s+/g, '_'));
	const missing = required.filter((name) => !header.includes(name));
	if (missing.length > 0) {
		throw new DomainError(
			400,
			'missing_columns',
			`The first row must name the columns; missing: ${missing.join(', ')}.`
		);
	}
	const body = rows.slice(1);
	if (body.length > MAX_IMPORT_ROWS) {
		throw new DomainError(
			413,
			'too_many_rows',
			`The file has ${body.length} rows; import at most ${MAX_IMPORT_ROWS} at a time.`
		);
	}
	return body.map(({ line, cells }) => ({
		line,
		values: Object.fromEntries(header.map((name, i) => [name, (cells[i] ?? '').trim()]))
	}));
}

function summarise(rows: ImportRow[], blocked: boolean, applied: boolean): ImportReport {
	const counts = { create: 0, add: 0, update: 0, unchanged: 0, error: 0 };
	for (const row of rows) counts[row.status]++;
	return { rows, counts, blocked, applied };
}

/**
 * Imports groups into an organisation from CSV (name, idnumber, description, parent_idnumber,
 * kind). A parent may be an existing group or another row. Any error — an idnumber already
 * taken, twice in the file, an unknown parent, a loop — blocks the whole file.
 */
export async function importGroups(
	actor: Actor,
	organisationId: string,
	csvText: string,
	{ apply, via = 'csv' }: { apply: boolean; via?: Via }
): Promise<ImportReport> {
	const input = table(csvText, ['name']);
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'organisation.manage', organisationId);
			const existing = await tx<{ id: string; idnumber: string }[]>`
				select id, idnumber from public.groups
				where scope = 'organisation' and organisation_id = ${organisationId} and idnumber is not null`;
			const existingByIdnumber = new Map(existing.map((row) => [row.idnumber, row.id]));
			const fileIdnumbers = new Map<string, number>();
			const rows: ImportRow[] = input.map(({ line, values }) => {
				const name = values.name ?? '';
				const idnumber = values.idnumber ?? '';
				const parent = values.parent_idnumber ?? '';
				const problem = !name
					? 'The name is missing.'
					: name.length > 200
						? 'The name is longer than 200 characters.'
						: !isReadableName(name)
							? 'The name needs a visible character and no right-to-left or left-to-right controls.'
							: idnumber.length > 100
								? 'The idnumber is longer than 100 characters.'
								: (values.kind ?? '').length > 40
									? 'The kind is longer than 40 characters.'
									: idnumber && existingByIdnumber.has(idnumber)
										? `The idnumber "${idnumber}" is already used by a group in this organisation.`
										: idnumber && fileIdnumbers.has(idnumber)
											? `The idnumber "${idnumber}" is also on line ${fileIdnumbers.get(idnumber)}.`
											: parent && parent === idnumber
												? 'A group cannot be its own parent.'
												: null;
				if (idnumber && !fileIdnumbers.has(idnumber)) fileIdnumbers.set(idnumber, line);
				return {
					line,
					values,
					status: problem ? 'error' : 'create',
					message: problem ?? 'Will be created.'
				};
			});
			for (const row of rows) {
				const parent = row.values.parent_idnumber;
				if (
					row.status === 'create' &&
					parent &&
					!existingByIdnumber.has(parent) &&
					!fileIdnumbers.has(parent)
				) {
					row.status = 'error';
					row.message = `No group has the parent idnumber "${parent}".`;
				}
			}
			const order = creationOrder(
				rows.filter((row) => row.status === 'create'),
				existingByIdnumber
			);
			for (const row of rows) {
				if (row.status === 'create' && !order.includes(row)) {
					row.status = 'error';
					row.message = 'The parent idnumbers form a loop.';
				}
			}
			const blocked = rows.some((row) => row.status === 'error');
			if (!apply || blocked) return summarise(rows, blocked, false);
			const ids = new Map(existingByIdnumber);
			for (const row of order) {
				const id = crypto.randomUUID();
				const parentId = row.values.parent_idnumber ? ids.get(row.values.parent_idnumber) : null;
				await tx`
					insert into public.groups (id, scope, organisation_id, parent_id, kind, name, idnumber, description, created_by)
					values (${id}, 'organisation', ${organisationId}, ${parentId ?? null}, ${(row.values.kind || 'group').toLowerCase()},
					        ${row.values.name}, ${row.values.idnumber || null}, ${row.values.description ?? ''}, ${actor?.id ?? null})`;
				if (row.values.idnumber) ids.set(row.values.idnumber, id);
				row.message = 'Created.';
			}
			return summarise(rows, false, true);
		},
		via
	);
}

/** Parents before children; rows left out are in a loop. */
function creationOrder(rows: ImportRow[], existing: Map<string, string>): ImportRow[] {
	const ordered: ImportRow[] = [];
	const placed = new Set(existing.keys());
	let pending = rows;
	while (pending.length > 0) {
		const ready = pending.filter(
			(row) => !row.values.parent_idnumber || placed.has(row.values.parent_idnumber)
		);
		if (ready.length === 0) break;
		for (const row of ready) {
			ordered.push(row);
			if (row.values.idnumber) placed.add(row.values.idnumber);
		}
		pending = pending.filter((row) => !ready.includes(row));
	}
	return ordered;
}

/**
 * Imports memberships (group_idnumber, email, role) into an organisation's groups. Rows with an
 * unknown group or person are reported and skipped; the rest are written in one transaction.
 */
export async function importMemberships(
	actor: Actor,
	organisationId: string,
	csvText: string,
	{ apply, via = 'csv' }: { apply: boolean; via?: Via }
): Promise<ImportReport> {
	const input = table(csvText, ['group_idnumber', 'email']);
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'organisation.view', organisationId);
			const groupRows = await tx<{ id: string; idnumber: string; can_manage: boolean }[]>`
				with scoped as (
					select g.id, g.idnumber from public.groups g
					where g.scope = 'organisation' and g.organisation_id = ${organisationId} and g.idnumber is not null
				)
				select s.id, s.idnumber,
				       s.id = any((select public.may_manage_group_members(array(select id from scoped)))::uuid[]) as can_manage
				from scoped s`;
			const groupsByIdnumber = new Map(groupRows.map((row) => [row.idnumber, row]));
			const emails = input.map(({ values }) => values.email.toLowerCase()).filter(Boolean);
			const people = await tx<
				{ email: string; id: string }[]
			>`select email, id from private.user_ids_by_email(${emails}::text[])`;
			const byEmail = new Map(people.map((row) => [row.email, row.id]));
			// Whom the organisation's groups may take (its people), of those the importer can see:
			// every group here has the organisation's scope, so one group answers for all.
			const takes = new Set(
				groupRows.length === 0
					? []
					: (
							await tx<{ id: string }[]>`
								select private.group_scope_user_ids(${groupRows[0].id}, ${people.map((row) => row.id)}::uuid[]) as id`
						).map((row) => row.id)
			);
			const current = await currentMemberships(
				tx,
				groupRows.map((row) => row.id)
			);
			const seen = new Set<string>();
			const rows: ImportRow[] = input.map(({ line, values }) => {
				const group = groupsByIdnumber.get(values.group_idnumber);
				const email = v.safeParse(emailSchema, values.email);
				const role = (values.role || 'member').toLowerCase();
				const userId = email.success ? byEmail.get(email.output) : undefined;
				const key = `${group?.id}:${userId}`;
				const problem = !group
					? `No group you can see has the idnumber "${values.group_idnumber}".`
					: !group.can_manage
						? 'You may not change the members of this group.'
						: !email.success
							? 'This is not a valid email address.'
							: !userId
								? 'Nobody you can see uses this email: invite them from the group’s page.'
								: !takes.has(userId)
									? 'Not one of the organisation’s people: invite them from the group’s page.'
									: role !== 'member' && role !== 'leader'
										? `Unknown role "${values.role}": use member or leader.`
										: seen.has(key)
											? 'This person is already on an earlier line for this group.'
											: null;
				seen.add(key);
				if (problem) return { line, values, status: 'error', message: problem };
				const now = current.get(key);
				if (now === role) {
					return { line, values, status: 'unchanged', message: `Already a ${role}.` };
				}
				if (now) {
					return {
						line,
						values: { ...values, role },
						status: 'update',
						message: `Now a ${now}: will become a ${role}.`
					};
				}
				return {
					line,
					values: { ...values, role },
					status: 'add',
					message: `Will be added as a ${role}.`
				};
			});
			if (!apply) return summarise(rows, false, false);
			const changes = rows.filter((row) => row.status === 'add' || row.status === 'update');
			if (changes.length > 0) {
				await tx`
					insert into public.group_members (group_id, user_id, role, source, added_by)
					select g, u, r, 'manual', ${actor?.id ?? null}
					from unnest(
						${changes.map((row) => groupsByIdnumber.get(row.values.group_idnumber)!.id)}::uuid[],
						${changes.map((row) => byEmail.get(row.values.email.toLowerCase())!)}::uuid[],
						${changes.map((row) => row.values.role)}::text[]) as c(g, u, r)
					on conflict (group_id, user_id) do update set role = excluded.role`;
			}
			for (const row of changes) row.message = row.status === 'add' ? 'Added.' : 'Role changed.';
			return summarise(rows, false, true);
		},
		via
	);
}

async function currentMemberships(tx: Tx, groupIds: string[]) {
	const rows = await tx<{ group_id: string; user_id: string; role: string }[]>`
		select group_id, user_id, role from public.group_members where group_id = any(${groupIds}::uuid[])`;
	return new Map(rows.map((row) => [`${row.group_id}:${row.user_id}`, row.role]));
}

/** The organisation's groups the viewer can see, as CSV (re-importable: same column names). */
export async function exportGroups(actor: Actor, organisationId: string): Promise<string> {
	const rows = await withUser(actor, async (tx) => {
		await requireAccess(tx, 'organisation.view', organisationId);
		return tx<
			{
				name: string;
				idnumber: string | null;
				description: string;
				parent_idnumber: string | null;
				kind: string;
				path: string;
				direct: number;
				effective: number;
			}[]
		>`
			select g.name, g.idnumber, g.description, p.idnumber as parent_idnumber, g.kind,
			       (select string_agg(a.name, ' / ' order by c.depth desc) from public.group_closure c
			        join public.groups a on a.id = c.ancestor_id where c.descendant_id = g.id) as path,
			       (select count(*)::int from public.group_members m where m.group_id = g.id) as direct,
			       (select count(distinct m.user_id)::int from public.group_closure c join public.group_members m on m.group_id = c.descendant_id
			        where c.ancestor_id = g.id) as effective
			from public.groups g left join public.groups p on p.id = g.parent_id
			where g.scope = 'organisation' and g.organisation_id = ${organisationId}
			order by path`;
	});
	return toCsv(
		[
			'name',
			'idnumber',
			'description',
			'parent_idnumber',
			'kind',
			'path',
			'direct_members',
			'effective_members'
		],
		rows.map((r) => [
			r.name,
			r.idnumber,
			r.description,
			r.parent_idnumber,
			r.kind,
			r.path,
			r.direct,
			r.effective
		])
	);
}

/** Direct memberships of the organisation's groups the viewer may read, as CSV. */
export async function exportMemberships(actor: Actor, organisationId: string): Promise<string> {
	const rows = await withUser(actor, async (tx) => {
		await requireAccess(tx, 'organisation.view', organisationId);
		return tx<
			{
				group_idnumber: string | null;
				group_name: string;
				email: string;
				display_name: string;
				role: string;
				source: string;
				valid_until: Date;
			}[]
		>`
			select g.idnumber as group_idnumber, g.name as group_name, ve.email, u.display_name, m.role, m.source, m.valid_until
			from public.group_members m join public.groups g on g.id = m.group_id join public.users u on u.id = m.user_id
			left join private.visible_emails() ve on ve.user_id = u.id
			where g.scope = 'organisation' and g.organisation_id = ${organisationId}
			order by g.name collate public.natural, lower(u.display_name)`;
	});
	return toCsv(
		['group_idnumber', 'group_name', 'email', 'display_name', 'role', 'source', 'valid_until'],
		rows.map((r) => [
			r.group_idnumber,
			r.group_name,
			r.email,
			r.display_name,
			r.role,
			r.source,
			Number.isFinite(r.valid_until.getTime()) ? r.valid_until.toISOString() : ''
		])
	);
}
