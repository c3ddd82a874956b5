import { randomInt } from 'node:crypto';
import * as accounts from '$lib/server/auth/accounts';
import { unfold, type Received } from './smtp-sink';

export const ORIGIN = 'http://tessera.test';

/** A fresh client address per call, so the per-address sign-up throttle stays out of the way. */
export const someAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

/** The messages the sink received for one address since `from`. */
export const mailTo = (inbox: Received[], email: string, from = 0) =>
	inbox.slice(from).filter((mail) => mail.to.includes(email.trim().toLowerCase()));

/** The sign-up token in a received message, or null. */
export function signUpToken(mail: Received): string | null {
	return unfold(mail.raw).match(/\/signup\/confirm\/([a-z0-9]+)/)?.[1] ?? null;
}

/** Signs up the way a person does: the form, then the link in the email, then the button. */
export async function signUpThroughLink(
	inbox: Received[],
	input: { email: string; displayName: unknown; password: string }
) {
	const from = inbox.length;
	await accounts.signUp(input, { ip: someAddress(), origin: ORIGIN });
	const [mail] = mailTo(inbox, input.email, from);
	const token = mail && signUpToken(mail);
	if (!token) throw new Error(`no sign-up link was emailed to ${input.email}`);
	return accounts.confirmSignUp(token);
}
