import * as invites from '$lib/server/memberships/invites';
import { endpoint, methodNotAllowed, readJson } from '$lib/server/api/respond';
import { redeemBody } from '$lib/server/api/input';
import { parse } from '$lib/server/validate';

/** The caller joins the invitation's group (an email-bound invitation only for that address). */
export const POST = endpoint(async (event, user) => {
	const { token } = parse(redeemBody, await readJson(event));
	return invites.redeem(user, token, 'api');
});

export const fallback = methodNotAllowed(['POST']);
