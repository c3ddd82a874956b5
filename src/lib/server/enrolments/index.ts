import * as v from 'valibot';
import { requireAccess } from '$lib/server/access';
import { containsPattern, readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { parse } from '$lib/server/validate';
import { parseCsv } from '$lib/server/csv';
import { courseRole, email as emailSchema, type CourseRole } from '$lib/schemas/common';
import * as schemas from '$lib/schemas/organisations';
import { createForEmails, sendForEmails } from './invites';
import { splitEmailList } from '$lib/schemas/email-list';

export {
	enrolmentChanges,
	enrolmentUpdate,
	unenrol,
	updateEnrolment,
	updateEnrolments,
	type EnrolmentChangesResult
} from './edit';

export type Participant = {
	userId: string;
	displayName: string;
	/** Null where the viewer may not see it (private.visible_emails). */
	email: string | null;
	role: CourseRole;
	status: 'active' | 'suspended';
	source: string;
	enrolledAt: Date;
	/** When the person was last active anywhere (null: never, or not the viewer's to see). */
	lastActiveAt: Date | null;
	/** Their groups in this course that the viewer may see (direct memberships valid now), in natural order. */
	groups: { id: string; name: string }[];
};

export type ParticipantPage = {
	participants: Participant[];
	total: number;
	page: number;
	pageSize: number;
	pageCount: number;
	/**
	 * The groups the list is filtered by. A learner of a course in separate or visible mode who
	 * names no group filter gets their own first group (openedOnOwnGroup), as Moodle opens it.
	 */
	groupIds: string[];
	openedOnOwnGroup: boolean;
};

/** The participants query; the rls-query benchmark runs exactly this SQL. */
export function participantsSql(
	tx: Tx,
	courseId: string,
	{
		search,
		role,
		status,
		page,
		pageSize,
		groupIds = [],
		match = 'any',
		noGroup = false
	}: v.InferOutput<typeof schemas.participantsQuery>
) {
	return tx<(Participant & { total: number })[]>`
		select e.user_id as "userId", u.display_name as "displayName", ve.email, e.role, e.status,
		       e.source, e.enrolled_at as "enrolledAt", pa.last_seen_at as "lastActiveAt",
		       count(*) over ()::int as total,
		       coalesce((
		         select json_agg(json_build_object('id', g.id, 'name', g.name) order by g.name collate public.natural, g.id)
		         from public.current_memberships m join public.groups g on g.id = m.group_id
		         where m.user_id = e.user_id and g.course_id = ${courseId} and g.kind <> 'learner-group'
		       ), '[]'::json) as groups
		from public.enrolments e join public.users u on u.id = e.user_id
		left join private.visible_emails() ve on ve.user_id = u.id
		left join public.person_activity pa on pa.user_id = u.id
		where e.course_id = ${courseId}
		  ${search ? tx`and (u.display_name ilike ${containsPattern(search)} or ve.email ilike ${containsPattern(search)})` : tx``}
		  ${role ? tx`and e.role = ${role}` : tx``}
		  ${status ? tx`and e.status = ${status}` : tx``}
		  ${groupFilterSql(tx, courseId, groupIds, match, noGroup)}
		order by u.display_name collate public.natural, u.id
		limit ${pageSize} offset ${(page - 1) * pageSize}`;
}

/**
 * The participant list's group filter: in any, all or none of the chosen groups, where "No group"
 * (in no group of the course) counts as one more choice. Memberships are direct and valid now;
 * a viewer only matches the memberships RLS lets them see.
 */
function groupFilterSql(
	tx: Tx,
	courseId: string,
	groupIds: string[],
	match: 'any' | 'all' | 'none',
	noGroup: boolean
) {
	if (groupIds.length === 0 && !noGroup) return tx``;
	const ids = [...new Set(groupIds)];
	const inGroups =
		match === 'all'
			? tx`(select count(distinct m.group_id) from public.current_memberships m
			      where m.user_id = e.user_id and m.group_id = any(${ids}::uuid[])) = ${ids.length}`
			: tx`exists (select 1 from public.current_memberships m
			      where m.user_id = e.user_id and m.group_id = any(${ids}::uuid[]))`;
	const inNoGroup = tx`not exists (
		select 1 from public.current_memberships m join public.groups g on g.id = m.group_id
		where m.user_id = e.user_id and g.course_id = ${courseId})`;
	if (ids.length === 0) return match === 'none' ? tx`and not ${inNoGroup}` : tx`and ${inNoGroup}`;
	if (!noGroup) return match === 'none' ? tx`and not ${inGroups}` : tx`and ${inGroups}`;
	if (match === 'any') return tx`and (${inGroups} or ${inNoGroup})`;
	if (match === 'all') return tx`and (${inGroups} and ${inNoGroup})`;
	return tx`and not (${inGroups} or ${inNoGroup})`;
}

export async function listParticipants(
	actor: Actor,
	courseId: string,
	query: unknown = {}
): Promise<ParticipantPage> {
	const options = parse(schemas.participantsQuery, query);
	const raw = (query ?? {}) as Record<string, unknown>;
	const namesGroupFilter = ['groupIds', 'match', 'noGroup'].some((key) => raw[key] !== undefined);
	const { rows, openedOnOwnGroup } = await readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.view', courseId);
		let opened = false;
		if (!namesGroupFilter) {
			const [own] = await tx<{ id: string }[]>`
				select g.id from public.courses c
				join public.enrolments e on e.course_id = c.id and e.user_id = (select auth.uid())
				join public.current_memberships m on m.user_id = e.user_id
				join public.groups g on g.id = m.group_id and g.course_id = c.id and g.kind <> 'learner-group'
				where c.id = ${courseId} and c.group_mode in ('separate', 'visible') and e.role = 'learner'
				order by g.name collate public.natural, g.id limit 1`;
			if (own) {
				options.groupIds = [own.id];
				opened = true;
			}
		}
		return { rows: await participantsSql(tx, courseId, options), openedOnOwnGroup: opened };
	});
	const total = rows[0]?.total ?? 0;
	return {
		participants: rows.map(({ total: _total, ...participant }) => participant),
		total,
		page: options.page,
		pageSize: options.pageSize,
		pageCount: Math.max(1, Math.ceil(total / options.pageSize)),
		groupIds: options.groupIds,
		openedOnOwnGroup
	};
}

/** `invite`: nobody the enroller can see uses the email, so it gets an invitation to enrol. */
export type EnrolRowStatus = 'enrol' | 'update' | 'unchanged' | 'invite' | 'error';

export type EnrolRow = {
	line: number;
	email: string;
	displayName: string | null;
	role: string;
	status: EnrolRowStatus;
	message: string;
};

export type EnrolReport = {
	rows: EnrolRow[];
	counts: Record<EnrolRowStatus, number>;
	applied: boolean;
};

export const MAX_CSV_ROWS = 5000;

type Candidate = { line: number; email: string; role: string };

/** Turns CSV text (email[,role]) into candidate rows; a header row is recognised and skipped. */
export function candidatesFromCsv(text: string, defaultRole: CourseRole): Candidate[] {
	const rows = parseCsv(text);
	if (rows.length === 0) throw new DomainError(400, 'empty_file', 'The file has no rows.');
	const first = rows[0].cells.map((cell) => cell.trim().toLowerCase());
	const hasHeader = first.includes('email');
	const emailColumn = hasHeader ? first.indexOf('email') : 0;
	const roleColumn = hasHeader ? first.indexOf('role') : 1;
	const body = hasHeader ? rows.slice(1) : rows;
	if (body.length > MAX_CSV_ROWS) {
		throw new DomainError(
			413,
			'too_many_rows',
			`The file has ${body.length} rows; upload at most ${MAX_CSV_ROWS} at a time.`
		);
	}
	return body.map(({ line, cells }) => ({
		line,
		email: (cells[emailColumn] ?? '').trim(),
		role: ((roleColumn >= 0 ? cells[roleColumn] : '') ?? '').trim().toLowerCase() || defaultRole
	}));
}

/**
 * Emails separated by commas, semicolons, spaces or new lines ("Name <a@b>" is understood). An
 * entry that is not an email is kept as a row, so the report names it (and enrols the others).
 */
export function candidatesFromList(text: string, role: CourseRole): Candidate[] {
	return splitEmailList(text).map((token, index) => ({ line: index + 1, email: token, role }));
}

export const INVITE_MESSAGE = 'Will be sent an invitation to enrol.';

async function plan(tx: Tx, courseId: string, candidates: Candidate[]): Promise<EnrolRow[]> {
	const normalised = candidates.map((candidate) => {
		const email = v.safeParse(emailSchema, candidate.email);
		const role = v.safeParse(courseRole, candidate.role);
		return {
			...candidate,
			email: email.success ? email.output : candidate.email,
			emailError: !email.success,
			roleError: !role.success
		};
	});
	const emails = [...new Set(normalised.filter((row) => !row.emailError).map((row) => row.email))];
	const found = await tx<
		{
			email: string;
			id: string;
			display_name: string;
			role: string | null;
			status: string | null;
		}[]
	>`
		select u.email, u.id, u.display_name, e.role, e.status
		from private.user_ids_by_email(${emails}::text[]) u
		left join public.enrolments e on e.course_id = ${courseId} and e.user_id = u.id`;
	const byEmail = new Map(found.map((row) => [row.email, row]));
	const seen = new Set<string>();
	return normalised.map((row): EnrolRow => {
		const base = { line: row.line, email: row.email, role: row.role, displayName: null };
		if (row.emailError) {
			return {
				...base,
				status: 'error',
				message: row.email ? 'This is not a valid email address.' : 'The email is missing.'
			};
		}
		if (row.roleError) {
			return {
				...base,
				status: 'error',
				message: `Unknown role "${row.role}": use learner, assistant or instructor.`
			};
		}
		if (seen.has(row.email)) {
			return { ...base, status: 'error', message: 'This email appears earlier in the list.' };
		}
		seen.add(row.email);
		const user = byEmail.get(row.email);
		// The same answer whether or not an account has this email: the enroller cannot see them.
		if (!user) return { ...base, status: 'invite', message: INVITE_MESSAGE };
		const named = { ...base, displayName: user.display_name };
		if (!user.role) return { ...named, status: 'enrol', message: 'Will be enrolled.' };
		if (user.role === row.role && user.status === 'active') {
			return { ...named, status: 'unchanged', message: 'Already enrolled with this role.' };
		}
		return {
			...named,
			status: 'update',
			message:
				user.role === row.role
					? 'Suspended: will be reactivated.'
					: `Enrolled as ${user.role}: the role will change.`
		};
	});
}

function report(rows: EnrolRow[], applied: boolean): EnrolReport {
	const counts = { enrol: 0, update: 0, unchanged: 0, invite: 0, error: 0 };
	for (const row of rows) counts[row.status]++;
	return { rows, counts, applied };
}

/**
 * Checks every row and, when `apply` is set, enrols the valid ones in one statement in the same
 * transaction as the check, and invites the emails of people the enroller cannot see (emailed
 * after commit). Rows with errors are reported and skipped, never half-applied.
 */
export async function enrolCandidates(
	actor: Actor,
	courseId: string,
	candidates: Candidate[],
	{ apply, via = 'app', origin }: { apply: boolean; via?: Via; origin?: string }
): Promise<EnrolReport> {
	if (candidates.length === 0) {
		throw new DomainError(400, 'empty_list', 'There is nobody to enrol: the list is empty.');
	}
	if (candidates.length > MAX_CSV_ROWS) {
		throw new DomainError(413, 'too_many_rows', `Enrol at most ${MAX_CSV_ROWS} people at a time.`);
	}
	const { result, pending } = await withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'course.manage', courseId);
			const rows = await plan(tx, courseId, candidates);
			if (!apply) return { result: report(rows, false), pending: [] };
			const changes = rows.filter((row) => row.status === 'enrol' || row.status === 'update');
			if (changes.length > 0) {
				const emails = changes.map((row) => row.email);
				// Resolved as plan() did: under RLS the enroller cannot see a person before they are enrolled.
				const written = await tx`
					insert into public.enrolments (course_id, user_id, role, status, enrolled_by)
					select ${courseId}, u.id, c.role, 'active', ${actor?.id ?? null}
					from unnest(${emails}::text[], ${changes.map((row) => row.role)}::text[]) as c(email, role)
					join private.user_ids_by_email(${emails}::text[]) u on u.email = c.email
					on conflict (course_id, user_id) do update set role = excluded.role, status = 'active', source = 'manual'
					returning user_id`;
				if (written.length !== changes.length) {
					throw new Error(
						`Enrolled ${written.length} of ${changes.length} planned rows; rolled back.`
					);
				}
			}
			const invited = rows.filter((row) => row.status === 'invite');
			const pending = await createForEmails(tx, actor, courseId, invited);
			return { result: report(rows, true), pending };
		},
		via
	);
	await sendForEmails(actor, courseId, pending, origin);
	return result;
}

export function previewCsv(
	actor: Actor,
	courseId: string,
	csvText: string,
	defaultRole: CourseRole = 'learner'
) {
	return enrolCandidates(actor, courseId, candidatesFromCsv(csvText, defaultRole), {
		apply: false
	});
}

export function applyCsv(
	actor: Actor,
	courseId: string,
	csvText: string,
	defaultRole: CourseRole = 'learner',
	via: Via = 'csv',
	origin?: string
) {
	return enrolCandidates(actor, courseId, candidatesFromCsv(csvText, defaultRole), {
		apply: true,
		via,
		origin
	});
}

export function enrolByEmails(
	actor: Actor,
	courseId: string,
	input: unknown,
	{ apply = true, via = 'app' as Via, origin }: { apply?: boolean; via?: Via; origin?: string } = {}
) {
	const { emails, role } = parse(schemas.enrolByEmails, input);
	return enrolCandidates(actor, courseId, candidatesFromList(emails, role), { apply, via, origin });
}

export const enrolUsersInput = v.strictObject({
	userIds: v.pipe(
		v.array(v.pipe(v.string(), v.uuid('That is not a valid user id.'))),
		v.minLength(1, 'Pick at least one person.'),
		v.maxLength(MAX_CSV_ROWS)
	),
	role: v.optional(courseRole, 'learner')
});

/** Enrols people by id (picked in the UI or named in the API). */
export async function enrolUsers(
	actor: Actor,
	courseId: string,
	input: unknown,
	via: Via = 'app'
): Promise<{ enrolled: number }> {
	const { userIds, role } = parse(enrolUsersInput, input);
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'course.manage', courseId);
			const rows = await tx`
				insert into public.enrolments (course_id, user_id, role, enrolled_by)
				select ${courseId}, u.id, ${role}, ${actor?.id ?? null}
				from public.users u where u.id = any(${userIds}::uuid[])
				on conflict (course_id, user_id) do update set role = excluded.role, status = 'active', source = 'manual'
				returning user_id`;
			if (rows.length < new Set(userIds).size) throw notFound();
			return { enrolled: rows.length };
		},
		via
	);
}
