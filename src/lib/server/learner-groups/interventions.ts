import { requireAccess } from '$lib/server/access';
import { asService, readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { send as sendEmail } from '$lib/server/email';
import { notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/learner-groups';

export type Intervention = {
	id: string;
	groupId: string | null;
	groupName: string;
	courseId: string;
	sentBy: string | null;
	sentByName: string | null;
	subject: string;
	body: string;
	recipientCount: number;
	emailedCount: number;
	announced: boolean;
	createdAt: Date;
};

export type ReceivedIntervention = {
	id: string;
	courseId: string;
	courseCode: string;
	courseName: string;
	sentByName: string | null;
	subject: string;
	body: string;
	createdAt: Date;
};

const columns = (tx: Tx) => tx`
	i.id, i.group_id as "groupId", i.group_name as "groupName", i.course_id as "courseId",
	i.sent_by as "sentBy", (select u.display_name from public.users u where u.id = i.sent_by) as "sentByName",
	i.subject, i.body, i.recipient_count as "recipientCount", i.emailed_count as "emailedCount",
	i.announced, i.created_at as "createdAt"`;

/** Sends a message to a learner group's current members (recorded, then delivered) (course staff). */
export async function send(
	actor: NonNullable<Actor>,
	groupId: string,
	input: unknown,
	via: Via = 'app'
): Promise<Intervention> {
	const data = parse(schemas.interventionCreate, input);
	if (!isUuid(groupId)) throw notFound();
	const { id, recipients, courseCode } = await withUser(
		actor,
		async (tx) => {
			const [group] = await tx<{ course_id: string; code: string }[]>`
				select k.course_id, c.code from public.learner_group_criteria k
				join public.courses c on c.id = k.course_id where k.group_id = ${groupId}`;
			if (!group) throw notFound();
			await requireAccess(tx, 'course.staff', group.course_id);
			const recipients = await tx<{ id: string; email: string; display_name: string }[]>`
				select u.id, u.email, u.display_name from public.group_members m join public.users u on u.id = m.user_id
				where m.group_id = ${groupId} and m.role = 'member' and m.valid_from <= now() and m.valid_until > now()`;
			const id = crypto.randomUUID();
			await tx`
				insert into public.interventions (id, group_id, group_name, course_id, sent_by, subject, body, recipient_count)
				values (${id}, ${groupId}, '', ${group.course_id}, ${actor.id}, ${data.subject}, ${data.body}, ${recipients.length})`;
			if (recipients.length > 0) {
				await tx`
					insert into public.intervention_recipients (intervention_id, user_id, course_id)
					select ${id}, unnest(${recipients.map((r) => r.id)}::uuid[]), ${group.course_id}`;
			}
			return { id, recipients, courseCode: group.code };
		},
		via
	);
	await deliver(id, { subject: data.subject, body: data.body, courseCode }, recipients);
	const [intervention] = await readAs(
		actor,
		(tx) => tx<Intervention[]>`select ${columns(tx)} from public.interventions i where i.id = ${id}`
	);
	return intervention;
}

/**
 * Delivers a recorded intervention after its transaction committed: email to each recipient now;
 * the announcement to the group's channel hooks in here when channels exist. Failures are kept
 * per recipient (email_status), never lost silently.
 */
export async function deliver(
	interventionId: string,
	message: { subject: string; body: string; courseCode: string },
	recipients: { id: string; email: string; display_name: string }[]
): Promise<void> {
	const sent: string[] = [];
	const failed: string[] = [];
	for (const recipient of recipients) {
		try {
			await sendEmail({
				to: recipient.email,
				subject: `[${message.courseCode}] ${message.subject}`,
				text: `Hello ${recipient.display_name},\n\n${message.body}\n\n— sent to you through Tessera (${message.courseCode})`
			});
			sent.push(recipient.id);
		} catch (error) {
			console.error('Intervention email failed', error);
			failed.push(recipient.id);
		}
	}
	await asService(async (tx) => {
		await tx`
			update public.intervention_recipients set email_status = case
				when user_id = any(${sent}::uuid[]) then 'sent' else 'failed' end
			where intervention_id = ${interventionId} and user_id = any(${[...sent, ...failed]}::uuid[])`;
		await tx`update public.interventions set emailed_count = ${sent.length} where id = ${interventionId}`;
	});
}

/** The messages sent to a learner group: who sent what, when, to how many (course staff). */
export function history(actor: Actor, groupId: string): Promise<Intervention[]> {
	if (!isUuid(groupId)) return Promise.reject(notFound());
	return readAs(actor, async (tx) => {
		const [group] = await tx<{ course_id: string }[]>`
			select course_id from public.learner_group_criteria where group_id = ${groupId}`;
		if (!group) throw notFound();
		await requireAccess(tx, 'course.staff', group.course_id);
		return tx<Intervention[]>`
			select ${columns(tx)} from public.interventions i
			where i.group_id = ${groupId} order by i.created_at desc, i.id`;
	});
}

/** The messages course staff sent to the actor through learner groups, newest first. */
export function inbox(actor: NonNullable<Actor>, limit = 50): Promise<ReceivedIntervention[]> {
	return readAs(
		actor,
		(tx) => tx<ReceivedIntervention[]>`
			select i.id, i.course_id as "courseId", c.code as "courseCode", c.name as "courseName",
			       (select u.display_name from public.users u where u.id = i.sent_by) as "sentByName",
			       i.subject, i.body, i.created_at as "createdAt"
			from public.intervention_recipients r
			join public.interventions i on i.id = r.intervention_id
			join public.courses c on c.id = i.course_id
			where r.user_id = ${actor.id}
			order by i.created_at desc, i.id
			limit ${Math.min(Math.max(limit, 1), 200)}`
	);
}
