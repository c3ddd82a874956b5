import * as v from 'valibot';
import { requireAccess } from '$lib/server/access';
import { asService, isGroupFull, withUser, type Actor, type Via } from '$lib/server/db';
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

/** What an invitation leads to, for the page that asks "Join <group>?". */
export async function peek(token: string) {
	const [row] = await asService(
		(tx) => tx<{ group_id: string; name: string; email: string | null }[]>`
			select i.group_id, g.name, i.email from public.group_invites i join public.groups g on g.id = i.group_id
			where i.token_hash = ${hashToken(token)} and i.revoked_at is null and i.expires_at > now()
			  and (i.max_uses is null or i.uses < i.max_uses)`
	);
	if (!row) throw new DomainError(404, 'invalid_invite', INVALID);
	return { groupId: row.group_id, groupName: row.name, email: row.email };
}

/**
 * Redeems an invitation for the signed-in person: checked and written by the system, the use
 * counted atomically so a one-use link cannot be used twice at once.
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
