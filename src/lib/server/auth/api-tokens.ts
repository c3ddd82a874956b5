import { asService, withUser, type Actor } from '$lib/server/db';
import { notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/auth';
import type { SessionUser } from './session';
import { generateToken, hashToken } from './token';

export const API_TOKEN_PREFIX = 'tsr_';

export type ApiTokenSummary = {
	id: string;
	name: string;
	createdAt: Date;
	lastUsedAt: Date | null;
	expiresAt: Date | null;
	revokedAt: Date | null;
};

/** Creates a token; its secret is returned once and only its SHA-256 is kept. */
export async function create(actor: NonNullable<Actor>, input: unknown) {
	const { name, expiresInDays } = parse(schemas.apiTokenCreate, input);
	const secret = API_TOKEN_PREFIX + generateToken();
	const [row] = await withUser(
		actor,
		(tx) => tx<{ id: string }[]>`
			insert into public.api_tokens (user_id, name, token_hash, expires_at)
			values (${actor.id}, ${name}, ${hashToken(secret)},
			        ${expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null})
			returning id`
	);
	return { id: row.id, name, secret };
}

export function list(actor: NonNullable<Actor>): Promise<ApiTokenSummary[]> {
	return withUser(
		actor,
		(tx) => tx<ApiTokenSummary[]>`
			select id, name, created_at as "createdAt", last_used_at as "lastUsedAt",
			       expires_at as "expiresAt", revoked_at as "revokedAt"
			from public.api_tokens order by created_at desc`
	);
}

export async function revoke(actor: NonNullable<Actor>, tokenId: string) {
	if (!isUuid(tokenId)) throw notFound();
	const rows = await withUser(
		actor,
		(tx) => tx`
			update public.api_tokens set revoked_at = now()
			where id = ${tokenId} and revoked_at is null returning id`
	);
	if (rows.length === 0) throw notFound();
}

/** The user behind a bearer token, or null when it is unknown, revoked, expired or disabled. */
export async function validate(secret: string): Promise<SessionUser | null> {
	if (!secret.startsWith(API_TOKEN_PREFIX)) return null;
	const [row] = await asService(
		(tx) => tx<
			{ id: string; email: string; display_name: string; platform_role: 'admin' | 'user' }[]
		>`
			update public.api_tokens t set last_used_at = now()
			from public.users u
			where t.token_hash = ${hashToken(secret)} and u.id = t.user_id
			  and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())
			  and u.disabled_at is null
			returning u.id, u.email, u.display_name, u.platform_role`
	);
	return row
		? {
				id: row.id,
				email: row.email,
				displayName: row.display_name,
				platformRole: row.platform_role
			}
		: null;
}
