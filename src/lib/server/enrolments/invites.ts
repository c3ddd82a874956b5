import { asService, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError } from '$lib/server/errors';
import { generateToken, hashToken } from '$lib/server/auth/token';
import { enrolmentInvitationEmail, send } from '$lib/server/email';

/** An invitation to enrol made in the enroller's transaction; emailed after commit. */
export type PendingEnrolment = { email: string; role: string; token: string; expiresAt: Date };

const DAYS = 14;

/**
 * Invites `rows` (email and course role) to enrol, in the caller's transaction and under RLS (the
 * caller must manage the course). Each invitation is bound to its email and used once.
 */
export async function createForEmails(
	tx: Tx,
	actor: Actor,
	courseId: string,
	rows: { email: string; role: string }[]
): Promise<PendingEnrolment[]> {
	if (rows.length === 0) return [];
	const pending = rows.map((row) => ({ ...row, token: generateToken() }));
	const [{ expires_at }] = await tx<{ expires_at: Date }[]>`
		select now() + make_interval(days => ${DAYS}) as expires_at`;
	await tx`
		insert into public.course_invites (course_id, token_hash, email, role, expires_at, created_by)
		select ${courseId}, h, e, r, ${expires_at}, ${actor?.id ?? null}
		from unnest(${pending.map((row) => hashToken(row.token))}::text[], ${pending.map((row) => row.email)}::text[],
		            ${pending.map((row) => row.role)}::text[]) as i(h, e, r)`;
	return pending.map((row) => ({ ...row, expiresAt: expires_at }));
}

/** Emails the invitations after the commit; a failed email is logged, the invitation kept. */
export async function sendForEmails(
	actor: Actor,
	courseId: string,
	pending: PendingEnrolment[],
	origin: string | undefined
): Promise<void> {
	if (pending.length === 0 || !origin) return;
	const [context] = await asService(
		(tx) => tx<{ course_name: string; course_code: string; inviter: string | null }[]>`
			select c.name as course_name, c.code as course_code,
			       (select display_name from public.users where id = ${actor?.id ?? null}) as inviter
			from public.courses c where c.id = ${courseId}`
	);
	if (!context) return;
	for (const invitation of pending) {
		try {
			await send(
				enrolmentInvitationEmail({
					to: invitation.email,
					courseName: `${context.course_code} ${context.course_name}`,
					role: invitation.role,
					inviter: context.inviter ?? 'Someone',
					link: `${origin}/enrol/${invitation.token}`,
					expiresAt: invitation.expiresAt
				})
			);
		} catch (error) {
			console.error('The enrolment invitation could not be sent', error);
		}
	}
}

const INVALID = 'This invitation is not valid: it may have expired, been used or been withdrawn.';

/** What an invitation leads to, for the page that asks "Enrol in <course>?". */
export async function peek(token: string) {
	const [row] = await asService(
		(tx) => tx<{ course_id: string; code: string; name: string; email: string; role: string }[]>`
			select i.course_id, c.code, c.name, i.email, i.role
			from public.course_invites i join public.courses c on c.id = i.course_id
			where i.token_hash = ${hashToken(token)} and i.revoked_at is null and i.used_at is null
			  and i.expires_at > now()`
	);
	if (!row) throw new DomainError(404, 'invalid_invite', INVALID);
	return {
		courseId: row.course_id,
		courseName: `${row.code} ${row.name}`,
		email: row.email,
		role: row.role
	};
}

/**
 * Accepts an invitation for the signed-in person whose email it names: checked and written by the
 * system, used once (the row is claimed atomically). Someone already enrolled keeps their role and
 * is reactivated. The sender must still manage the course, or the invitation is refused.
 */
export async function redeem(
	actor: NonNullable<Actor> & { email: string },
	token: string,
	via: Via = 'app'
) {
	return asService(async (tx) => {
		const [invite] = await tx<
			{ course_id: string; role: string; created_by: string | null; admits: boolean }[]
		>`
			update public.course_invites set used_at = now(), used_by = ${actor.id}
			where token_hash = ${hashToken(token)} and revoked_at is null and used_at is null
			  and expires_at > now() and email = ${actor.email.toLowerCase()}
			returning course_id, role, created_by,
			          coalesce(private.admits_to_course(created_by, course_id), false) as admits`;
		if (!invite || !invite.admits) throw new DomainError(404, 'invalid_invite', INVALID);
		await tx`
			insert into public.enrolments (course_id, user_id, role, status, enrolled_by)
			values (${invite.course_id}, ${actor.id}, ${invite.role}, 'active', ${invite.created_by})
			on conflict (course_id, user_id) do update set status = 'active', source = 'manual'`;
		return { courseId: invite.course_id };
	}, via);
}
