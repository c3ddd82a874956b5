import { requireAccess } from '$lib/server/access';
import {
	containsPattern,
	isGroupFull,
	isPgError,
	PG,
	readAs,
	retryDeadlock,
	withUser,
	type Actor,
	type Tx,
	type Via
} from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { parse } from '$lib/server/validate';
import * as v from 'valibot';
import { email as emailSchema } from '$lib/schemas/common';
import * as schemas from '$lib/schemas/groups';
import { createForEmails, sendForEmails } from './invites';

export type Member = {
	userId: string;
	displayName: string;
	email: string;
	role: 'member' | 'leader';
	source: string;
	validFrom: Date | null;
	validUntil: Date | null;
	addedAt: Date;
	/** true when the person is in this group itself, false when they come through a sub-group. */
	direct: boolean;
	viaGroupId: string;
	viaGroupName: string;
	/** In a course group: their role in the course (null elsewhere, or where the viewer cannot see it). */
	courseRole: 'learner' | 'assistant' | 'instructor' | null;
};

export const GROUP_FULL = 'The group is full.';

/** The grouping's member limit refused an add (supabase/schemas/07_course_groups.sql). */
export function isOverLimit(error: unknown): error is Error {
	return isPgError(error, PG.checkViolation) && error.hint === 'grouping_full';
}

function translate(error: unknown): never {
	if (isGroupFull(error)) throw new DomainError(409, 'group_full', GROUP_FULL);
	if (isOverLimit(error)) {
		throw new DomainError(
			409,
			'over_limit',
			`${error.message} Course staff can add them over the limit (overLimit: true).`
		);
	}
	// A course group in an exclusive grouping (course-groups migration): the message names the group.
	if (isPgError(error, PG.checkViolation) && error.hint === 'exclusive_grouping') {
		throw new DomainError(409, 'exclusive_grouping', error.message);
	}
	// The scope trigger (supabase/schemas/05_memberships.sql): someone outside the organisation or course.
	if (isPgError(error, PG.checkViolation) && error.hint === 'outside_scope') {
		throw new DomainError(409, 'outside_scope', error.message);
	}
	if (isPgError(error, PG.insufficientPrivilege)) throw notFound();
	if (isPgError(error, PG.foreignKeyViolation)) throw notFound();
	throw error;
}

const finite = (value: Date) => (Number.isFinite(value.getTime()) ? value : null);

/**
 * The group's effective members: everyone in it or in any of its sub-groups (valid now), each
 * once, shown as direct or through the nearest sub-group. RLS limits rows to what the viewer may see.
 */
export async function list(
	actor: Actor,
	groupId: string,
	{
		search = '',
		role = '',
		only = 'all'
	}: { search?: string; role?: string; only?: 'all' | 'direct' | 'subgroups' } = {}
): Promise<Member[]> {
	const pattern = containsPattern(search, 100);
	const rows = await readAs(actor, async (tx) => {
		await requireAccess(tx, 'group.view', groupId);
		return tx<(Omit<Member, 'validFrom' | 'validUntil'> & { validFrom: Date; validUntil: Date })[]>`
			select * from (
				select distinct on (m.user_id)
					m.user_id as "userId", u.display_name as "displayName", ve.email, m.role, m.source,
					m.valid_from as "validFrom", m.valid_until as "validUntil", m.added_at as "addedAt",
					m.depth = 0 as direct, m.member_group_id as "viaGroupId", g.name as "viaGroupName",
					(select e.role from public.enrolments e
					 where e.course_id = g.course_id and e.user_id = m.user_id) as "courseRole"
				from public.effective_members m
				join public.users u on u.id = m.user_id
				left join private.visible_emails() ve on ve.user_id = u.id
				join public.groups g on g.id = m.member_group_id
				where m.group_id = ${groupId}
				  ${search ? tx`and (u.display_name ilike ${pattern} or ve.email ilike ${pattern})` : tx``}
				  ${role === 'member' || role === 'leader' ? tx`and m.role = ${role}` : tx``}
				order by m.user_id, m.depth, (m.role = 'leader') desc
			) effective
			${only === 'direct' ? tx`where direct` : only === 'subgroups' ? tx`where not direct` : tx``}
			order by (role = 'leader') desc, lower("displayName")`;
	});
	return rows.map((row) => ({
		...row,
		validFrom: finite(row.validFrom),
		validUntil: finite(row.validUntil)
	}));
}

export type AddReport = {
	added: number;
	updated: number;
	unchanged: number;
	/**
	 * Emails that were not added but invited: nobody the caller can see in the group's scope uses
	 * them. The same whether an account has the email or not; an invitation the addressee could
	 * not accept (a leader's, to someone outside the organisation or course) is not emailed.
	 */
	invited: string[];
	/** True when the caller's invitations can bring people from outside the scope in. */
	invitesAdmitOutsiders: boolean;
	errors: { email: string; message: string }[];
	/**
	 * Learners who left another group of an exclusive grouping to come here (a learner may be in
	 * one of its groups only): the add moved them.
	 */
	moved: Moved[];
};

export type Moved = {
	userId: string;
	displayName: string;
	fromGroupId: string;
	fromGroupName: string;
};

/**
 * Adds people by id or email in one transaction. An email is added when it belongs to someone the
 * caller can see whom the group's scope takes; any other email gets an invitation (sent after
 * commit), so the answer never tells whether an email has an account. A size limit that would be
 * passed refuses the whole change ("The group is full."); someone added by id from outside the
 * organisation or course is refused by the database (409 outside_scope).
 */
export async function add(
	actor: Actor,
	groupId: string,
	input: unknown,
	via: Via = 'app',
	{ origin }: { origin?: string } = {}
): Promise<AddReport> {
	const data = parse(schemas.membersAdd, input);
	const malformed: AddReport['errors'] = [];
	const emails: string[] = [];
	for (const entry of data.emails.filter(Boolean)) {
		const checked = v.safeParse(emailSchema, entry);
		if (checked.success) emails.push(checked.output);
		else malformed.push({ email: entry, message: 'This is not a valid email address.' });
	}
	data.emails = emails;
	if (data.userIds.length === 0 && data.emails.length === 0 && malformed.length === 0) {
		throw new DomainError(400, 'empty_list', 'Choose at least one person to add.');
	}
	const validFrom = data.validFrom ? new Date(data.validFrom) : null;
	const validUntil = data.validUntil ? new Date(data.validUntil) : null;
	if (validFrom && validUntil && validUntil <= validFrom) {
		throw new DomainError(400, 'invalid_input', 'The membership must end after it starts.');
	}
	let result;
	try {
		result = await retryDeadlock(() =>
			withUser(
				actor,
				async (tx) => {
					await requireAccess(tx, 'group.manageMembers', groupId);
					let ids = [...new Set(data.userIds)];
					const toInvite: string[] = [];
					if (data.emails.length > 0) {
						const found = await tx<{ email: string; id: string }[]>`
						with visible as (select email, id from private.user_ids_by_email(${data.emails}::text[]))
						select v.email, v.id from visible v
						where v.id in (select private.group_scope_user_ids(${groupId}, array(select id from visible)))`;
						const byEmail = new Map(found.map((row) => [row.email, row.id]));
						for (const email of new Set(data.emails)) {
							const id = byEmail.get(email);
							if (id) ids.push(id);
							else toInvite.push(email);
						}
						ids = [...new Set(ids)];
					}
					const pending = await createForEmails(tx, actor, groupId, toInvite);
					const [{ admits }] = await tx<{ admits: boolean }[]>`
					select private.can_admit_to_group(${groupId}) as admits`;
					const report: AddReport = {
						added: 0,
						updated: 0,
						unchanged: 0,
						invited: toInvite,
						invitesAdmitOutsiders: admits,
						errors: malformed,
						moved: []
					};
					if (ids.length === 0) return { report, pending };
					// Read by the database's triggers (07_course_groups.sql): a staff add moves a learner
					// within an exclusive grouping, and may go past a grouping's limit when asked to.
					await tx`select private.lock_group_for_add(${groupId})`;
					await tx`
					select set_config('tessera.move_exclusive', 'on', true),
					       set_config('tessera.over_limit', ${data.overLimit ? 'on' : 'off'}, true),
					       set_config('tessera.moves', '', true)`;
					const rows = await upsertMembers(
						tx,
						actor,
						groupId,
						ids,
						data.role,
						'manual',
						validFrom,
						validUntil
					);
					const [{ moves }] = await tx<{ moves: string | null }[]>`
					select nullif(current_setting('tessera.moves', true), '') as moves`;
					const moved: Moved[] = moves ? JSON.parse(moves) : [];
					return { report: { ...report, ...rows, moved }, pending };
				},
				via
			)
		);
	} catch (error) {
		translate(error);
	}
	await sendForEmails(actor, groupId, result.pending, origin);
	return result.report;
}

async function upsertMembers(
	tx: Tx,
	actor: Actor,
	groupId: string,
	userIds: string[],
	role: 'member' | 'leader',
	source: string,
	validFrom: Date | null,
	validUntil: Date | null
) {
	const before = await tx<{ user_id: string; role: string }[]>`
		select user_id, role from public.group_members where group_id = ${groupId} and user_id = any(${userIds}::uuid[])`;
	const existing = new Map(before.map((row) => [row.user_id, row.role]));
	const written = await tx<{ user_id: string }[]>`
		insert into public.group_members (group_id, user_id, role, source, valid_from, valid_until, added_by)
		select ${groupId}, id, ${role}, ${source},
		       coalesce(${validFrom}::timestamptz, '-infinity'), coalesce(${validUntil}::timestamptz, 'infinity'), ${actor?.id ?? null}
		from unnest(${userIds}::uuid[]) as id
		on conflict (group_id, user_id) do update
		set role = excluded.role, valid_from = excluded.valid_from, valid_until = excluded.valid_until
		where (public.group_members.role, public.group_members.valid_from, public.group_members.valid_until)
		      is distinct from (excluded.role, excluded.valid_from, excluded.valid_until)
		returning user_id`;
	const updated = written.filter((row) => existing.has(row.user_id)).length;
	const added = written.length - updated;
	return { added, updated, unchanged: userIds.length - added - updated };
}

export async function remove(actor: Actor, groupId: string, input: unknown, via: Via = 'app') {
	const { userIds } = parse(schemas.membersRemove, input);
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'group.manageMembers', groupId);
				const rows = await tx`
					delete from public.group_members where group_id = ${groupId} and user_id = any(${userIds}::uuid[])
					returning user_id`;
				if (rows.length === 0) throw notFound();
				return { removed: rows.length };
			},
			via
		);
	} catch (error) {
		translate(error);
	}
}

/** Gives many people one role at once. Only admins make leaders; leaders manage members. */
export async function setRole(actor: Actor, groupId: string, input: unknown, via: Via = 'app') {
	const { userIds, role } = parse(schemas.membersSetRole, input);
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(
					tx,
					role === 'leader' ? 'group.manage' : 'group.manageMembers',
					groupId
				);
				const rows = await tx`
					update public.group_members set role = ${role}
					where group_id = ${groupId} and user_id = any(${userIds}::uuid[]) and role <> ${role}
					returning user_id`;
				return { changed: rows.length };
			},
			via
		);
	} catch (error) {
		translate(error);
	}
}

/** A learner joins an open group themselves. */
export async function join(actor: NonNullable<Actor>, groupId: string, via: Via = 'app') {
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'group.view', groupId);
				const [group] = await tx<{ membership_mode: string }[]>`
					select membership_mode from public.groups where id = ${groupId}`;
				if (group.membership_mode !== 'open') {
					throw new DomainError(
						403,
						'not_open',
						'This group is not open for joining. Ask its leader to add you.'
					);
				}
				const rows = await tx`
					insert into public.group_members (group_id, user_id, role, source, added_by)
					values (${groupId}, ${actor.id}, 'member', 'self', ${actor.id})
					on conflict (group_id, user_id) do nothing returning user_id`;
				return { joined: rows.length === 1 };
			},
			via
		);
	} catch (error) {
		translate(error);
	}
}

export async function leave(actor: NonNullable<Actor>, groupId: string, via: Via = 'app') {
	try {
		await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'group.view', groupId);
				const rows = await tx`
					delete from public.group_members where group_id = ${groupId} and user_id = ${actor.id} returning user_id`;
				if (rows.length === 0) {
					throw new DomainError(
						403,
						'cannot_leave',
						'You can only leave open groups you are in. Ask a leader to remove you.'
					);
				}
			},
			via
		);
	} catch (error) {
		translate(error);
	}
}
