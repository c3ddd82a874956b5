import * as passwordReset from '$lib/server/auth/password-reset';
import { methodNotAllowed, publicEndpoint, readJson } from '$lib/server/api/respond';

/** Sets a new password with the emailed token; ends every session of the person. */
export const POST = publicEndpoint(async (event) =>
	passwordReset.completeReset(await readJson(event))
);

export const fallback = methodNotAllowed(['POST']);
