import * as v from 'valibot';
import { requireAccess } from '$lib/server/access';
import { isGroupFull, isPgError, PG, readAs, withUser, type Actor, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';

export type JoinRequest = {
	id: string;
	groupId: string;
	userId: string;
	displayName: string;
	email: string;
	message: string;
	status: 'pending' | 'approved' | 'declined' | 'withdrawn';
	createdAt: Date;
	decidedAt: Date | null;
};

export const askSchema = v.strictObject({
	message: v.optional(
		v.pipe(v.string(), v.trim(), v.maxLength(1000, 'Keep the message under 1,000 characters.')),
		''
	)
});

/** Asks to join a group whose membership mode is "request". */
export async function ask(
	actor: NonNullable<Actor>,
	groupId: string,
	input: unknown = {},
	via: Via = 'app'
) {
	const { message } = parse(askSchema, input);
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'group.view', groupId);
				const [group] = await tx<
					{ membership_mode: string }[]
				>`select membership_mode from public.groups where id = ${groupId}`;
				if (group.membership_mode !== 'request') {
					throw new DomainError(
						403,
						'not_by_request',
						'This group does not take requests to join.'
					);
				}
				const [member] =
					await tx`select 1 from public.group_members where group_id = ${groupId} and user_id = ${actor.id}`;
				if (member) throw new DomainError(409, 'already_member', 'You are already in this group.');
				const id = crypto.randomUUID();
				await tx`insert into public.group_join_requests (id, group_id, user_id, message) values (${id}, ${groupId}, ${actor.id}, ${message})`;
				return { id };
			},
			via
		);
	} catch (error) {
		if (isPgError(error, PG.uniqueViolation)) {
			throw new DomainError(
				409,
				'already_requested',
				'You have already asked to join; a leader will answer soon.'
			);
		}
		throw error;
	}
}

export function listPending(actor: Actor, groupId: string): Promise<JoinRequest[]> {
	return withUser(actor, async (tx) => {
		await requireAccess(tx, 'group.manageMembers', groupId);
		return tx<JoinRequest[]>`
			select r.id, r.group_id as "groupId", r.user_id as "userId", u.display_name as "displayName", ve.email,
			       r.message, r.status, r.created_at as "createdAt", r.decided_at as "decidedAt"
			from public.group_join_requests r
			join public.users u on u.id = r.user_id
			left join private.visible_emails() ve on ve.user_id = u.id
			where r.group_id = ${groupId} and r.status = 'pending'
			order by r.created_at`;
	});
}

export const decideSchema = v.strictObject({
	requestIds: v.pipe(v.array(v.pipe(v.string(), v.uuid())), v.minLength(1), v.maxLength(1000)),
	approve: v.boolean()
});

/** Approves or declines pending requests; approving adds the people in the same transaction. */
export async function decide(actor: Actor, groupId: string, input: unknown, via: Via = 'app') {
	const { requestIds, approve } = parse(decideSchema, input);
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'group.manageMembers', groupId);
				const decided = await tx<{ user_id: string }[]>`
					update public.group_join_requests
					set status = ${approve ? 'approved' : 'declined'}, decided_by = ${actor?.id ?? null}, decided_at = now()
					where group_id = ${groupId} and id = any(${requestIds}::uuid[]) and status = 'pending'
					returning user_id`;
				if (decided.length === 0) throw notFound();
				if (approve) {
					await tx`
						insert into public.group_members (group_id, user_id, role, source, added_by)
						select ${groupId}, user_id, 'member', 'self', ${actor?.id ?? null}
						from unnest(${decided.map((row) => row.user_id)}::uuid[]) as user_id
						on conflict (group_id, user_id) do nothing`;
				}
				return { decided: decided.length };
			},
			via
		);
	} catch (error) {
		if (isGroupFull(error)) {
			throw new DomainError(
				409,
				'group_full',
				'The group is full: approving these requests would pass its size limit.'
			);
		}
		throw error;
	}
}

export async function withdraw(actor: NonNullable<Actor>, requestId: string, via: Via = 'app') {
	if (!isUuid(requestId)) throw notFound();
	await withUser(
		actor,
		async (tx) => {
			const rows = await tx`
				update public.group_join_requests set status = 'withdrawn'
				where id = ${requestId} and user_id = ${actor.id} and status = 'pending' returning id`;
			if (rows.length === 0) throw notFound();
		},
		via
	);
}

/** The signed-in person's pending request to join a group, if any. */
export async function mine(
	actor: NonNullable<Actor>,
	groupId: string
): Promise<{ id: string; message: string; createdAt: Date } | null> {
	const [row] = await readAs(
		actor,
		(tx) => tx<{ id: string; message: string; createdAt: Date }[]>`
			select id, message, created_at as "createdAt" from public.group_join_requests
			where group_id = ${groupId} and user_id = ${actor.id} and status = 'pending'`
	);
	return row ?? null;
}
