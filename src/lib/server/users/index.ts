import { containsPattern, readAs, withUser, type Actor, type Via } from '$lib/server/db';
import { notFound } from '$lib/server/errors';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/people';

export type UserSummary = { id: string; email: string | null; displayName: string };

/**
 * People the actor may see (RLS decides), matching a name or an email address the actor may read
 * (private.visible_emails: an address they may not see neither shows nor matches).
 */
export function search(actor: Actor, query: string, limit = 20): Promise<UserSummary[]> {
	const pattern = containsPattern(query, 100);
	return readAs(
		actor,
		(tx) => tx<UserSummary[]>`
			select u.id, ve.email, u.display_name as "displayName" from public.users u
			left join private.visible_emails() ve on ve.user_id = u.id
			where u.display_name ilike ${pattern} or ve.email ilike ${pattern}
			order by lower(u.display_name) limit ${Math.min(Math.max(limit, 1), 50)}`
	);
}

/** The person's own settings: their time zone (null until chosen or taken from their browser). */
export async function settings(actor: NonNullable<Actor>): Promise<{ timeZone: string | null }> {
	const [row] = await readAs(
		actor,
		(tx) => tx<{ timeZone: string | null }[]>`
			select time_zone as "timeZone" from public.users where id = ${actor.id}`
	);
	if (!row) throw notFound();
	return row;
}

/** Changes the person's own settings (`{ "timeZone": "Europe/Paris" }`). */
export async function updateSettings(
	actor: NonNullable<Actor>,
	input: unknown,
	via: Via = 'app'
): Promise<{ timeZone: string | null }> {
	const data = parse(schemas.personSettings, input);
	const [row] = await withUser(
		actor,
		(tx) => tx<{ timeZone: string | null }[]>`
			update public.users set time_zone = ${data.timeZone}
			where id = ${actor.id}
			returning time_zone as "timeZone"`,
		via
	);
	if (!row) throw notFound();
	return row;
}

/**
 * The browser's zone, taken at a person's first page when they have none: it never replaces a
 * zone they chose. Answers the zone they have now.
 */
export async function adoptBrowserTimeZone(
	actor: NonNullable<Actor>,
	input: unknown
): Promise<{ timeZone: string | null }> {
	const data = parse(schemas.personSettings, input);
	await withUser(
		actor,
		(tx) => tx`
			update public.users set time_zone = ${data.timeZone}
			where id = ${actor.id} and time_zone is null`
	);
	return settings(actor);
}
