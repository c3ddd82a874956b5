import * as v from 'valibot';
import { requireAccess } from '$lib/server/access';
import { asService, isGroupFull, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import { generateToken, hashToken } from '$lib/server/auth/token';
import { email as emailSchema } from '$lib/schemas/common';
import { invitationEmail, send } from '$lib/server/email';

export type Invite = {
	id: string;
	email: string | null;
	maxUses: number | null;
	uses: number;
	expiresAt: Date;
	revokedAt: Date | null;
	createdAt: Date;
};

export const createSchema = v.strictObject({
	email: v.optional(v.nullable(emailSchema), null),
	maxUses: v.optional(
		v.nullable(
			v.pipe(v.number(), v.integer(), v.minValue(1, 'Allow at least one use.'), v.maxValue(10000))
		),
		null
	),
	expiresInDays: v.optional(
		v.pipe(
			v.number(),
			v.integer(),
			v.minValue(1),
			v.maxValue(90, 'Invitations last at most 90 days.')
		),
		14
	)
});

/**
 * Creates an invitation link (the token is returned once). Bound to an email, only that person
 * may use it; otherwise anyone with the link, up to maxUses times (null: unlimited).
 */
export async function create(
	actor: Actor,
	groupId: string,
	input: unknown,
	via: Via = 'app',
	{ origin }: { origin?: string } = {}
) {
	const data = parse(createSchema, input);
	const token = generateToken();
	const id = crypto.randomUUID();
	const created = await withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'group.manageMembers', groupId);
			const [row] = await tx<{ expires_at: Date; group_name: string; inviter: string | null }[]>`
				with invite as (
					insert into public.group_invites (id, group_id, token_hash, email, max_uses, expires_at, created_by)
					values (${id}, ${groupId}, ${hashToken(token)}, ${data.email}, ${data.email ? 1 : data.maxUses},
					        now() + make_interval(days => ${data.expiresInDays}), ${actor?.id ?? null})
					returning expires_at
				)
				select invite.expires_at,
				       (select name from public.groups where id = ${groupId}) as group_name,
				       (select display_name from public.users where id = ${actor?.id ?? null}) as inviter
				from invite`;
			return row;
		},
		via
	);
	const path = `/invite/${token}`;
	// Sent after the commit: a failed email leaves a working invitation whose link can be copied.
	let emailed = false;
	if (data.email && origin) {
		try {
			await send(
				invitationEmail({
					to: data.email,
					groupName: created.group_name,
					inviter: created.inviter ?? 'Someone',
					link: `${origin}${path}`,
					expiresAt: created.expires_at
				})
			);
			emailed = true;
		} catch (error) {
			console.error('The invitation email could not be sent', error);
		}
	}
	return { id, token, path, emailed };
}

export function list(actor: Actor, groupId: string): Promise<Invite[]> {
	return withUser(actor, async (tx) => {
		await requireAccess(tx, 'group.manageMembers', groupId);
		return tx<Invite[]>`
			select id, email, max_uses as "maxUses", uses, expires_at as "expiresAt", revoked_at as "revokedAt", created_at as "createdAt"
			from public.group_invites where group_id = ${groupId} order by created_at desc`;
	});
}

export async function revoke(actor: Actor, inviteId: string, via: Via = 'app') {
	if (!isUuid(inviteId)) throw notFound();
	await withUser(
		actor,
		async (tx) => {
			const rows =
				await tx`update public.group_invites set revoked_at = now() where id = ${inviteId} and revoked_at is null returning id`;
			if (rows.length === 0) throw notFound();
		},
		via
	);
}

const INVALID =
	'This invitation is not valid: it may have expired, been used up or been withdrawn.';

/**
 * What an invitation leads to, for the page that asks "Join <group>?". With `forUserId`, also what
 * accepting does for that person (the invitee, about themselves only): nothing more (`null`),
 * make them a member of the organisation, enrol them in the course, or nothing at all because
 * the invitation cannot bring them in (`refused`).
 */
export async function peek(token: string, forUserId?: string) {
	const [row] = await asService(
		(tx) => tx<
			{
				group_id: string;
				name: string;
				email: string | null;
				outside: 'organisation' | 'course' | null;
				admits: boolean;
				scope_name: string | null;
			}[]
		>`
			select i.group_id, g.name, i.email, o.scope as outside,
			       coalesce(private.admits_to_group(i.created_by, g.id), false) as admits,
			       coalesce((select c.code || ' ' || c.name from public.courses c where c.id = g.course_id),
			                (select name from public.organisations where id = g.organisation_id)) as scope_name
			from public.group_invites i join public.groups g on g.id = i.group_id
			left join lateral private.memberships_outside_scope(
			  array[g.id], array[${forUserId ?? null}::uuid]) o on ${forUserId ?? null}::uuid is not null
			where i.token_hash = ${hashToken(token)} and i.revoked_at is null and i.expires_at > now()
			  and (i.max_uses is null or i.uses < i.max_uses)`
	);
	if (!row) throw new DomainError(404, 'invalid_invite', INVALID);
	const effect = !row.outside ? null : row.admits ? row.outside : ('refused' as const);
	return {
		groupId: row.group_id,
		groupName: row.name,
		email: row.email,
		effect,
		scopeName: row.scope_name
	};
}

/** One email invitation per address, made in the caller's transaction; emailed after commit. */
export type PendingInvitation = { email: string; token: string; expiresAt: Date };

/**
 * Invites `emails` to the group in the caller's transaction (under RLS: the caller must manage its
 * members). Each invitation is bound to its email and used once.
 */
export async function createForEmails(
	tx: Tx,
	actor: Actor,
	groupId: string,
	emails: string[],
	expiresInDays = 14
): Promise<PendingInvitation[]> {
	if (emails.length === 0) return [];
	const pending = emails.map((email) => ({ email, token: generateToken() }));
	const rows = await tx<{ email: string; expires_at: Date }[]>`
		insert into public.group_invites (group_id, token_hash, email, max_uses, expires_at, created_by)
		select ${groupId}, h, e, 1, now() + make_interval(days => ${expiresInDays}), ${actor?.id ?? null}
		from unnest(${pending.map((row) => hashToken(row.token))}::text[], ${emails}::text[]) as i(h, e)
		returning email, expires_at`;
	return pending.map((row) => ({
		...row,
		expiresAt: rows.find((written) => written.email === row.email)!.expires_at
	}));
}

/**
 * Emails the invitations made by `createForEmails`, after the commit. An invitation that could not
 * bring its addressee in (a leader's invitation to someone outside the group's organisation or
 * course, or to an address no account uses) is kept but not emailed: the caller's answer is the
 * same either way, so it tells nobody whether an email has an account.
 */
export async function sendForEmails(
	actor: Actor,
	groupId: string,
	pending: PendingInvitation[],
	origin: string | undefined
): Promise<void> {
	if (pending.length === 0 || !origin) return;
	const [context] = await asService(
		(tx) => tx<{ group_name: string; inviter: string | null; admits: boolean }[]>`
			select g.name as group_name,
			       (select display_name from public.users where id = ${actor?.id ?? null}) as inviter,
			       coalesce(private.admits_to_group(${actor?.id ?? null}, g.id), false) as admits
			from public.groups g where g.id = ${groupId}`
	);
	if (!context) return;
	let recipients = pending;
	if (!context.admits) {
		const inScope = await asService(
			(tx) => tx<{ email: string }[]>`
				select u.email from public.users u
				where u.email = any(${pending.map((row) => row.email)}::text[])
				  and not exists (
				    select 1 from private.memberships_outside_scope(array[${groupId}::uuid], array[u.id]))`
		);
		const allowed = new Set(inScope.map((row) => row.email));
		recipients = pending.filter((row) => allowed.has(row.email));
	}
	for (const invitation of recipients) {
		try {
			await send(
				invitationEmail({
					to: invitation.email,
					groupName: context.group_name,
					inviter: context.inviter ?? 'Someone',
					link: `${origin}/invite/${invitation.token}`,
					expiresAt: invitation.expiresAt
				})
			);
		} catch (error) {
			console.error('The invitation email could not be sent', error);
		}
	}
}

const OUTSIDE_SCOPE = {
	organisation:
		'This invitation is only for the people of the group’s organisation. Ask an organisation admin to invite you.',
	course:
		'This invitation is only for the participants of the group’s course. Ask the course’s teachers to enrol you.'
} as const;

/**
 * Redeems an invitation for the signed-in person: checked and written by the system, the use
 * counted atomically so a one-use link cannot be used twice at once. Someone outside the group's
 * organisation or course comes in only when the invitation's sender may bring them in (an
 * organisation admin makes them a member of the organisation; a course's manager enrols them as a
 * learner); otherwise the invitation is refused and its use not counted.
 */
export async function redeem(
	actor: NonNullable<Actor> & { email: string },
	token: string,
	via: Via = 'app'
) {
	try {
		return await asService(async (tx) => {
			const [invite] = await tx<
				{ id: string; group_id: string; email: string | null; created_by: string | null }[]
			>`
				update public.group_invites set uses = uses + 1
				where token_hash = ${hashToken(token)} and revoked_at is null and expires_at > now()
				  and (max_uses is null or uses < max_uses)
				  and (email is null or email = ${actor.email.toLowerCase()})
				returning id, group_id, email, created_by`;
			if (!invite) throw new DomainError(404, 'invalid_invite', INVALID);
			const [outside] = await tx<
				{
					scope: 'organisation' | 'course';
					organisation_id: string;
					course_id: string | null;
					admits: boolean;
				}[]
			>`
				select o.scope, g.organisation_id, g.course_id,
				       coalesce(private.admits_to_group(${invite.created_by}, g.id), false) as admits
				from private.memberships_outside_scope(array[${invite.group_id}::uuid], array[${actor.id}::uuid]) o
				join public.groups g on g.id = o.group_id`;
			if (outside && !outside.admits) {
				throw new DomainError(403, 'outside_scope', OUTSIDE_SCOPE[outside.scope]);
			}
			if (outside?.scope === 'organisation') {
				await tx`
					insert into public.organisation_members (organisation_id, user_id, role, added_by)
					values (${outside.organisation_id}, ${actor.id}, 'member', ${invite.created_by})
					on conflict (organisation_id, user_id) do nothing`;
			} else if (outside?.scope === 'course') {
				await tx`
					insert into public.enrolments (course_id, user_id, role, status, enrolled_by)
					values (${outside.course_id}, ${actor.id}, 'learner', 'active', ${invite.created_by})
					on conflict (course_id, user_id) do nothing`;
			}
			const rows = await tx`
				insert into public.group_members (group_id, user_id, role, source, added_by)
				values (${invite.group_id}, ${actor.id}, 'member', 'invite', ${invite.created_by})
				on conflict (group_id, user_id) do nothing returning user_id`;
			return { groupId: invite.group_id, joined: rows.length === 1 };
		}, via);
	} catch (error) {
		if (isGroupFull(error)) throw new DomainError(409, 'group_full', 'The group is full.');
		throw error;
	}
}
