import { asService } from '$lib/server/db';
import { send, type Email } from '$lib/server/email';
import { escapeHtml, markdownToHtml } from '$lib/server/email/markdown';

type Recipient = { id: string; email: string };
type Details = {
	title: string;
	body: string;
	groupId: string;
	groupName: string;
	authorName: string | null;
};

const BATCH = 100;

/**
 * Emails an announcement to its audience as it was when published (private.announcement_audience:
 * the group's members, or its whole subtree's when it goes to sub-groups too, except its author
 * and disabled accounts; those its notification went to) who want announcements by email at once (the "email me announcements" setting and the
 * notification preference); never for a learner group's announcements (interventions email their own). Each recipient is claimed (a delivery row) before the email goes and released if
 * sending fails, so a retried or concurrent job carries on where the other stopped and nobody
 * gets it twice; a crash between claim and send costs that one person the email. Returns how many were sent.
 */
export async function fanOut(
	announcementId: string,
	build: (recipient: Recipient, details: Details) => Email
): Promise<number> {
	const [details] = await asService(
		(tx) => tx<Details[]>`
			select a.title, a.body, a.group_id as "groupId", g.name as "groupName",
			       u.display_name as "authorName"
			from public.announcements a join public.groups g on g.id = a.group_id
			left join public.users u on u.id = a.author_id
			where a.id = ${announcementId} and a.published_at is not null
			  -- A learner group's announcements are interventions, emailed by the intervention (without
			  -- the group's name, which its members must not learn).
			  and g.kind <> 'learner-group'`
	);
	if (!details) return 0;
	let sent = 0;
	for (;;) {
		const batch = await asService(
			(tx) => tx<Recipient[]>`
				select u.id, u.email
				from private.announcement_audience(${announcementId}) as audience(id)
				join public.users u on u.id = audience.id
				where u.email_announcements
				  -- Told when it was published (its notification, which records the preference then:
				  -- "email at once"). Someone who joined since is not emailed by a late or retried job.
				  and exists (
				    select 1 from public.notifications n
				    where n.user_id = u.id and n.kind = 'announcement' and n.subject_id = ${announcementId}
				      and n.delivery = 'email')
				  and not exists (
				    select 1 from public.announcement_deliveries d
				    where d.announcement_id = ${announcementId} and d.user_id = u.id)
				order by u.id
				limit ${BATCH}`
		);
		if (batch.length === 0) return sent;
		for (const recipient of batch) {
			// Claimed before it is sent: two runs of the job at once never email one person twice.
			const claimed = await asService(
				(tx) => tx`
					insert into public.announcement_deliveries (announcement_id, user_id)
					values (${announcementId}, ${recipient.id}) on conflict do nothing`
			);
			if (claimed.count === 0) continue;
			try {
				await send(build(recipient, details));
			} catch (error) {
				// Released, so the retried job tries this person again.
				await asService(
					(tx) => tx`
						delete from public.announcement_deliveries
						where announcement_id = ${announcementId} and user_id = ${recipient.id}`
				);
				throw error;
			}
			sent += 1;
		}
	}
}

/**
 * The email for one recipient: the announcement's markdown as formatted HTML (raw HTML in it shown
 * as text, links only to the web and mail) with the text as written for the plain part, and a link back.
 */
export function announcementEmail({
	to,
	title,
	body,
	groupId,
	groupName,
	authorName,
	origin
}: Details & { to: string; origin: string | null }): Email {
	const link = origin ? `${origin.replace(/\/$/, '')}/groups/${groupId}/announcements` : null;
	const settings = origin ? `${origin.replace(/\/$/, '')}/settings` : 'your Tessera settings';
	const from = authorName ? `${authorName} in ${groupName}` : groupName;
	const footer = `You get this because "Email me announcements" is on. Turn it off in ${settings}.`;
	return {
		to,
		subject: `[${groupName}] ${title}`,
		text: `${from}:\n\n${title}\n\n${body}\n\n${link ? `Read it on Tessera: ${link}\n\n` : ''}${footer}`,
		html:
			`<p>${escapeHtml(from)}:</p><h2>${escapeHtml(title)}</h2>` +
			markdownToHtml(body) +
			(link ? `<p><a href="${escapeHtml(link)}">Read it on Tessera</a></p>` : '') +
			`<p style="color:#666">${escapeHtml(footer)}</p>`
	};
}
