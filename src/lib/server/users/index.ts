import { containsPattern, readAs, type Actor } from '$lib/server/db';

export type UserSummary = { id: string; email: string; displayName: string };

/** People the actor may see (RLS decides), matching a name or email. */
export function search(actor: Actor, query: string, limit = 20): Promise<UserSummary[]> {
	const pattern = containsPattern(query, 100);
	return readAs(
		actor,
		(tx) => tx<UserSummary[]>`
			select id, email, display_name as "displayName" from public.users
			where display_name ilike ${pattern} or email ilike ${pattern}
			order by lower(display_name) limit ${Math.min(Math.max(limit, 1), 50)}`
	);
}
