import * as v from 'valibot';
import { requireAccess } from '$lib/server/access';
import { asService, readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { send as sendEmail } from '$lib/server/email';
import { notFound } from '$lib/server/errors';
import { emitToUsers } from '$lib/server/realtime/notify';
import { isUuid, parse } from '$lib/server/validate';
import type { CourseMessagePayload } from '$lib/realtime/types';
import { uuid } from '$lib/schemas/common';
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
	/** Whether it was posted to the learner group's announcements (false for older ones). */
	announced: boolean;
	announcementId: string | null;
	/** Recipients who have seen the announcement; null when it has none (sent before they existed). */
	seenCount: number | null;
	createdAt: Date;
};

/** A message as its recipient reads it: the course and the sender, never the learner group. */
export type ReceivedIntervention = {
	id: string;
	announcementId: string | null;
	courseId: string;
	courseCode: string;
	courseName: string;
	/** The sender, whom a learner answers by direct message ("Reply"). */
	sentById: string | null;
	sentByName: string | null;
	subject: string;
	body: string;
	/** Whether the reader has seen it; null when it cannot be tracked (no announcement). */
	seen: boolean | null;
	createdAt: Date;
};

const columns = (tx: Tx) => tx`
	i.id, i.group_id as "groupId", i.group_name as "groupName", i.course_id as "courseId",
	i.sent_by as "sentBy", (select u.display_name from public.users u where u.id = i.sent_by) as "sentByName",
	i.subject, i.body, i.recipient_count as "recipientCount", i.emailed_count as "emailedCount",
	i.announced, i.announcement_id as "announcementId",
	case when i.announcement_id is null then null else (
		select count(*)::int from public.announcement_views w
		join public.intervention_recipients r on r.intervention_id = i.id and r.user_id = w.user_id
		where w.announcement_id = i.announcement_id) end as "seenCount",
	i.created_at as "createdAt"`;

/**
 * Sends a message to a learner group's current members (course staff): recorded with its
 * recipients and posted, already published, as an announcement in the group's feed, in one
 * transaction; then pushed live to the recipients (without the group's name) and emailed.
 */
export async function send(
	actor: NonNullable<Actor>,
	groupId: string,
	input: unknown,
	via: Via = 'app'
): Promise<Intervention> {
	const data = parse(schemas.interventionCreate, input);
	if (!isUuid(groupId)) throw notFound();
	const { recipients, message } = await withUser(
		actor,
		async (tx) => {
			const [group] = await tx<{ courseId: string; code: string; name: string }[]>`
				select k.course_id as "courseId", c.code, c.name from public.learner_group_criteria k
				join public.groups g on g.id = k.group_id and g.kind = 'learner-group'
				join public.courses c on c.id = k.course_id where k.group_id = ${groupId}`;
			if (!group) throw notFound();
			await requireAccess(tx, 'course.staff', group.courseId);
			const recipients = await tx<{ id: string; email: string | null; display_name: string }[]>`
				select u.id, ve.email, u.display_name from public.current_memberships m join public.users u on u.id = m.user_id
				left join private.visible_emails() ve on ve.user_id = u.id
				where m.group_id = ${groupId} and m.role = 'member'`;
			// Published as it is inserted: the publish job and its sweep never see it, so neither the
			// group-room push nor the fan-out email (both name the group) ever happen for it.
			const [announcement] = await tx<{ id: string }[]>`
				insert into public.announcements (group_id, author_id, title, body, publish_at, published_at)
				values (${groupId}, ${actor.id}, ${data.subject}, ${data.body}, now(), now())
				returning id`;
			const [row] = await tx<{ id: string; createdAt: Date; sentByName: string | null }[]>`
				insert into public.interventions
					(group_id, group_name, course_id, sent_by, subject, body, recipient_count, announcement_id)
				values (${groupId}, '', ${group.courseId}, ${actor.id}, ${data.subject}, ${data.body},
				        ${recipients.length}, ${announcement.id})
				returning id, created_at as "createdAt",
				          (select u.display_name from public.users u where u.id = sent_by) as "sentByName"`;
			if (recipients.length > 0) {
				await tx`
					insert into public.intervention_recipients (intervention_id, user_id, course_id)
					select ${row.id}, unnest(${recipients.map((r) => r.id)}::uuid[]), ${group.courseId}`;
			}
			const message: CourseMessagePayload = {
				id: row.id,
				announcementId: announcement.id,
				courseId: group.courseId,
				courseCode: group.code,
				courseName: group.name,
				sentById: actor.id,
				sentByName: row.sentByName,
				subject: data.subject,
				body: data.body,
				createdAt: row.createdAt.toISOString()
			};
			return { recipients, message };
		},
		via
	);
	emitToUsers(
		recipients.map((r) => r.id),
		'course-message:new',
		message
	);
	await deliver(
		message.id,
		{ subject: data.subject, body: data.body, courseCode: message.courseCode },
		recipients
	);
	const [intervention] = await readAs(
		actor,
		(tx) =>
			tx<
				Intervention[]
			>`select ${columns(tx)} from public.interventions i where i.id = ${message.id}`
	);
	return intervention;
}

/**
 * Emails a recorded intervention after its transaction committed, one email per recipient; the
 * announcement is never emailed again. Failures are kept per recipient (email_status), never lost
 * silently.
 */
export async function deliver(
	interventionId: string,
	message: { subject: string; body: string; courseCode: string },
	recipients: { id: string; email: string | null; display_name: string }[]
): Promise<void> {
	const sent: string[] = [];
	const failed: string[] = [];
	for (const recipient of recipients) {
		if (!recipient.email) {
			failed.push(recipient.id);
			continue;
		}
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

/** The messages sent to a learner group: who sent what, when, to how many, seen by how many (course staff). */
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

/** Whether `userId` has seen intervention `i`'s announcement. */
const seenBy = (tx: Tx, userId: string) => tx`exists (
	select 1 from public.announcement_views w
	where w.announcement_id = i.announcement_id and w.user_id = ${userId})`;

/** The messages course staff sent to the actor through learner groups (of one course, if given), newest first. */
export function inbox(
	actor: NonNullable<Actor>,
	{ courseId, limit = 50 }: { courseId?: string; limit?: number } = {}
): Promise<ReceivedIntervention[]> {
	return readAs(
		actor,
		(tx) => tx<ReceivedIntervention[]>`
			select i.id, i.announcement_id as "announcementId",
			       i.course_id as "courseId", c.code as "courseCode", c.name as "courseName",
			       i.sent_by as "sentById",
			       (select u.display_name from public.users u where u.id = i.sent_by) as "sentByName",
			       i.subject, i.body,
			       case when i.announcement_id is null then null else ${seenBy(tx, actor.id)} end as seen,
			       i.created_at as "createdAt"
			from public.intervention_recipients r
			join public.interventions i on i.id = r.intervention_id
			join public.courses c on c.id = i.course_id
			where r.user_id = ${actor.id} ${courseId ? tx`and r.course_id = ${courseId}` : tx``}
			order by i.created_at desc, i.id
			limit ${Math.min(Math.max(limit, 1), 200)}`
	);
}

export const idList = v.pipe(
	v.array(uuid, 'Send the ids of the messages as a list.'),
	v.minLength(1, 'Send at least one message id.'),
	v.maxLength(200, 'Mark at most 200 messages at a time.')
);

/**
 * Marks messages the actor received as seen (a view of their announcement, which staff count);
 * ids of messages they did not receive, or that have no announcement, are ignored.
 */
export async function markSeen(actor: Actor, ids: unknown): Promise<{ marked: number }> {
	const list = parse(idList, ids);
	if (!actor) throw notFound();
	const rows = await withUser(
		actor,
		(tx) => tx`
			insert into public.announcement_views (announcement_id, user_id)
			select i.announcement_id, ${actor.id} from public.interventions i
			join public.intervention_recipients r on r.intervention_id = i.id and r.user_id = ${actor.id}
			where i.id = any(${list}::uuid[]) and i.announcement_id is not null
			on conflict do nothing`
	);
	return { marked: rows.count };
}

/** How many messages from a course's team the actor has not seen yet. */
export async function unseenCount(actor: NonNullable<Actor>, courseId: string): Promise<number> {
	const [row] = await readAs(
		actor,
		(tx) => tx<{ unseen: number }[]>`
			select count(*)::int as unseen
			from public.intervention_recipients r
			join public.interventions i on i.id = r.intervention_id
			where r.user_id = ${actor.id} and r.course_id = ${courseId}
			  and i.announcement_id is not null and not ${seenBy(tx, actor.id)}`
	);
	return row.unseen;
}
