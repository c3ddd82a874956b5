import * as passwordReset from '$lib/server/auth/password-reset';
import { methodNotAllowed, publicEndpoint, readJson } from '$lib/server/api/respond';

/** Asks for a reset link; the same 202 whether or not the email has an account (throttled). */
export const POST = publicEndpoint(
	async (event) =>
		passwordReset.requestReset(await readJson(event), {
			ip: event.getClientAddress(),
			origin: event.url.origin
		}),
	{ status: 202 }
);

export const fallback = methodNotAllowed(['POST']);
