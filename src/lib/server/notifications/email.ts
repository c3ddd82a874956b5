import { encodeBase64urlNoPadding } from '@oslojs/encoding';
import { KIND_LABELS, type NotificationKind } from '$lib/schemas/notifications';
import { asService, type Tx } from '$lib/server/db';
import { send, type Email } from '$lib/server/email';
import { escapeHtml, markdownToHtml } from '$lib/server/email/markdown';

type Due = {
	id: string;
	userId: string;
	email: string;
	displayName: string;
	kind: NotificationKind;
	title: string;
	summary: string;
	link: string;
	createdAt: Date;
};

const BATCH = 100;

/** Links in emails point at ORIGIN (the app's public address, as adapter-node reads it). */
function origin() {
	return (process.env.ORIGIN ?? `http://localhost:${process.env.PORT ?? 5173}`).replace(/\/$/, '');
}

/** The person's one-click unsubscribe token for a kind: 256 random bits, made on first use. */
async function unsubscribeToken(tx: Tx, userId: string, kind: string): Promise<string> {
	const fresh = encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
	const [row] = await tx<{ token: string }[]>`
		with made as (
			insert into private.notification_email_tokens (user_id, kind, token)
			values (${userId}, ${kind}, ${fresh}) on conflict (user_id, kind) do nothing returning token)
		select token from made
		union all
		select token from private.notification_email_tokens where user_id = ${userId} and kind = ${kind}
		limit 1`;
	return row.token;
}

const unsubscribeUrl = (token: string) => `${origin()}/unsubscribe/${token}`;

/** RFC 8058 one-click unsubscribe: mail programs POST to the link to turn this kind off. */
const unsubscribeHeaders = (url: string) => ({
	'List-Unsubscribe': `<${url}>`,
	'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click'
});

function footer(kindLabel: string, url: string) {
	const settings = `${origin()}/settings/notifications`;
	return {
		text: `\n\n--\nYou get this email for "${kindLabel}". Stop these emails: ${url}\nChoose what Tessera emails you: ${settings}\n`,
		html:
			`<hr><p style="color:#64748b;font-size:12px">You get this email for “${escapeHtml(kindLabel)}”. ` +
			`<a href="${escapeHtml(url)}">Stop these emails</a> · ` +
			`<a href="${escapeHtml(settings)}">Choose what Tessera emails you</a></p>`
	};
}

function itemText(item: Pick<Due, 'title' | 'summary' | 'link'>) {
	return `${item.title}\n${item.summary ? `\n${item.summary}\n` : ''}\nOpen it: ${origin()}${item.link}`;
}

function itemHtml(item: Pick<Due, 'title' | 'summary' | 'link'>) {
	return (
		`<h2 style="font-size:16px;margin:16px 0 4px">${escapeHtml(item.title)}</h2>` +
		(item.summary ? markdownToHtml(item.summary) : '') +
		`<p><a href="${escapeHtml(origin() + item.link)}">Open it in Tessera</a></p>`
	);
}

function immediateEmail(item: Due, token: string): Email {
	const url = unsubscribeUrl(token);
	const foot = footer(KIND_LABELS[item.kind], url);
	return {
		to: item.email,
		subject: item.title,
		text: `Hello ${item.displayName},\n\n${itemText(item)}${foot.text}`,
		html: `<p>Hello ${escapeHtml(item.displayName)},</p>${itemHtml(item)}${foot.html}`,
		headers: unsubscribeHeaders(url)
	};
}

/**
 * Emails the notifications whose recipients want them at once (these ids, or every one still
 * due). Each is claimed before its email goes and released if sending fails, so a retried or
 * concurrent job never emails one twice. Returns how many were sent.
 */
export async function sendDue(ids?: string[]): Promise<number> {
	let sent = 0;
	for (;;) {
		const batch = await asService(
			(tx) => tx<Due[]>`
				update public.notifications n set emailed_at = now()
				from public.users u
				where u.id = n.user_id and n.id in (
					select d.id from public.notifications d
					where d.delivery = 'email' and d.emailed_at is null
					  ${ids ? tx`and d.id = any(${ids}::uuid[])` : tx``}
					order by d.created_at limit ${BATCH}
					for update skip locked)
				returning n.id, n.user_id as "userId", u.email, u.display_name as "displayName", n.kind,
				          n.title, n.summary, n.link, n.created_at as "createdAt",
				          u.disabled_at is not null as disabled`
		);
		if (batch.length === 0) return sent;
		for (const item of batch) {
			// A disabled account gets no email; its notification counts as handled.
			if ((item as Due & { disabled: boolean }).disabled) continue;
			try {
				const token = await asService((tx) => unsubscribeToken(tx, item.userId, item.kind));
				await send(immediateEmail(item, token));
				sent += 1;
			} catch (error) {
				// Released, so the retried job (or the minutely sweep) tries this one again.
				await asService(
					(tx) => tx`update public.notifications set emailed_at = null where id = ${item.id}`
				);
				throw error;
			}
		}
	}
}

/**
 * Sends each person whose digest is due their daily email: what arrived for the kinds they
 * chose to get as a digest and have not read yet. One digest per person per UTC day, claimed
 * before it goes (a second run the same day sends nothing). Returns how many were sent.
 */
export async function sendDigests(now = new Date()): Promise<number> {
	const day = now.toISOString().slice(0, 10);
	const people = await asService(
		(tx) => tx<{ userId: string; email: string; displayName: string }[]>`
			select distinct n.user_id as "userId", u.email, u.display_name as "displayName"
			from public.notifications n join public.users u on u.id = n.user_id
			where n.delivery = 'digest' and n.emailed_at is null and n.read_at is null
			  and u.disabled_at is null
			  and not exists (
			    select 1 from private.notification_digests g where g.user_id = n.user_id and g.day = ${day})`
	);
	let sent = 0;
	for (const person of people) {
		const claimed = await asService(
			(tx) => tx`
				insert into private.notification_digests (user_id, day) values (${person.userId}, ${day})
				on conflict do nothing`
		);
		if (claimed.count === 0) continue;
		let taken: string[] = [];
		try {
			const items = await asService(
				(tx) => tx<Due[]>`
					update public.notifications set emailed_at = now()
					where user_id = ${person.userId} and delivery = 'digest' and emailed_at is null
					returning id, user_id as "userId", kind, title, summary, link, created_at as "createdAt",
					          read_at is not null as read`
			);
			taken = items.map((item) => item.id);
			const unread = items
				.filter((item) => !(item as unknown as { read: boolean }).read)
				.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
			if (unread.length === 0) continue;
			const kinds = [...new Set(unread.map((item) => item.kind))];
			const tokens = await asService(async (tx) => {
				const made: Record<string, string> = {};
				for (const kind of kinds) made[kind] = await unsubscribeToken(tx, person.userId, kind);
				return made;
			});
			// The header turns off the first kind's digest; the footer links each kind.
			const url = unsubscribeUrl(tokens[kinds[0]]);
			const stops = kinds.map((kind) => ({
				label: KIND_LABELS[kind],
				url: unsubscribeUrl(tokens[kind])
			}));
			const settings = `${origin()}/settings/notifications`;
			await send({
				to: person.email,
				subject: `Your Tessera digest: ${unread.length} new ${unread.length === 1 ? 'notification' : 'notifications'}`,
				text:
					`Hello ${person.displayName},\n\nWhat happened since your last digest:\n\n` +
					unread.map((item) => itemText(item)).join('\n\n') +
					`\n\n--\n` +
					stops.map((stop) => `Stop emails for "${stop.label}": ${stop.url}`).join('\n') +
					`\nChoose what Tessera emails you: ${settings}\n`,
				html:
					`<p>Hello ${escapeHtml(person.displayName)},</p><p>What happened since your last digest:</p>` +
					unread.map((item) => itemHtml(item)).join('') +
					`<hr><p style="color:#64748b;font-size:12px">` +
					stops
						.map(
							(stop) =>
								`<a href="${escapeHtml(stop.url)}">Stop emails for “${escapeHtml(stop.label)}”</a>`
						)
						.join(' · ') +
					` · <a href="${escapeHtml(settings)}">Choose what Tessera emails you</a></p>`,
				headers: unsubscribeHeaders(url)
			});
			await asService(
				(tx) => tx`
					update private.notification_digests set item_count = ${unread.length}
					where user_id = ${person.userId} and day = ${day}`
			);
			sent += 1;
		} catch (error) {
			// Released (the claim and the items), so the next run sends it.
			await asService(async (tx) => {
				await tx`delete from private.notification_digests where user_id = ${person.userId} and day = ${day}`;
				await tx`
					update public.notifications set emailed_at = null where id = any(${taken}::uuid[])`;
			});
			throw error;
		}
	}
	return sent;
}

/** Who and what an unsubscribe link is for, to show before it is used; null if unknown. */
export async function unsubscribeTarget(
	token: string
): Promise<{ email: string; kind: NotificationKind; label: string } | null> {
	if (!/^[A-Za-z0-9_-]{40,64}$/.test(token)) return null;
	const [row] = await asService(
		(tx) => tx<{ email: string; kind: NotificationKind }[]>`
			select u.email, t.kind from private.notification_email_tokens t
			join public.users u on u.id = t.user_id where t.token = ${token}`
	);
	return row ? { ...row, label: KIND_LABELS[row.kind] } : null;
}

/**
 * Turns off the emails of the link's kind for its person (a digest becomes in-app only too):
 * what the unsubscribe link does. Returns what it turned off, or null for an unknown link.
 */
export async function unsubscribe(
	token: string
): Promise<{ kind: NotificationKind; label: string } | null> {
	const target = await unsubscribeTarget(token);
	if (!target) return null;
	await asService(
		(tx) => tx`
			insert into public.notification_preferences (user_id, kind, delivery)
			select t.user_id, t.kind, 'in_app' from private.notification_email_tokens t where t.token = ${token}
			on conflict (user_id, kind) do update
			set delivery = case when notification_preferences.delivery = 'off' then 'off' else 'in_app' end,
			    updated_at = now()`
	);
	return { kind: target.kind, label: target.label };
}
