import nodemailer, { type Transporter } from 'nodemailer';

export type Email = {
	to: string;
	subject: string;
	text: string;
	html?: string;
	/** Extra headers, e.g. List-Unsubscribe. */
	headers?: Record<string, string>;
};

const TRANSPORT = Symbol.for('tessera.email.transport');
const store = globalThis as unknown as Record<symbol, Transporter | undefined>;

/**
 * SMTP when SMTP_URL is set (smtp://user:pass@host:587, smtps://…); otherwise messages are
 * printed to the server log, so a developer can follow an invitation link without a mail server.
 */
function transport(): Transporter {
	store[TRANSPORT] ??= process.env.SMTP_URL
		? nodemailer.createTransport(process.env.SMTP_URL)
		: nodemailer.createTransport({ jsonTransport: true });
	return store[TRANSPORT];
}

/** Forgets the transport, so a changed SMTP_URL (tests) takes effect. */
export function resetTransport() {
	store[TRANSPORT]?.close();
	store[TRANSPORT] = undefined;
}

export async function send(email: Email): Promise<void> {
	const from = process.env.MAIL_FROM ?? 'Tessera <no-reply@tessera.invalid>';
	await transport().sendMail({ from, ...email });
	if (!process.env.SMTP_URL) {
		console.log(
			`\n  ✉ To: ${email.to}\n    Subject: ${email.subject}\n\n${email.text.replace(/^/gm, '    ')}\n`
		);
	}
}

const escapeHtml = (text: string) =>
	text.replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
	);

export function invitationEmail({
	to,
	groupName,
	inviter,
	link,
	expiresAt
}: {
	to: string;
	groupName: string;
	inviter: string;
	link: string;
	expiresAt: Date;
}): Email {
	const until = expiresAt.toUTCString().replace(/ \d\d:\d\d:\d\d GMT$/, '');
	return {
		to,
		subject: `${inviter} invited you to join ${groupName} on Tessera`,
		text: `${inviter} invited you to join "${groupName}" on Tessera.\n\nJoin here: ${link}\n\nThe link works until ${until}, for this email address only.`,
		html:
			`<p>${escapeHtml(inviter)} invited you to join <strong>${escapeHtml(groupName)}</strong> on Tessera.</p>` +
			`<p><a href="${escapeHtml(link)}">Join ${escapeHtml(groupName)}</a></p>` +
			`<p>The link works until ${escapeHtml(until)}, for this email address only.</p>`
	};
}

export function enrolmentInvitationEmail({
	to,
	courseName,
	role,
	inviter,
	link,
	expiresAt
}: {
	to: string;
	courseName: string;
	role: string;
	inviter: string;
	link: string;
	expiresAt: Date;
}): Email {
	const until = expiresAt.toUTCString().replace(/ \d\d:\d\d:\d\d GMT$/, '');
	const as = role === 'learner' ? 'a learner' : `an ${role}`;
	return {
		to,
		subject: `${inviter} invited you to ${courseName} on Tessera`,
		text:
			`${inviter} invited you to join "${courseName}" on Tessera as ${as}.\n\nAccept here: ${link}\n\n` +
			`Sign in with this email address to accept (no account yet? sign up with it first). ` +
			`The link works until ${until}, once.`,
		html:
			`<p>${escapeHtml(inviter)} invited you to join <strong>${escapeHtml(courseName)}</strong> on Tessera as ${as}.</p>` +
			`<p><a href="${escapeHtml(link)}">Accept the invitation</a></p>` +
			`<p>Sign in with this email address to accept (no account yet? sign up with it first). ` +
			`The link works until ${escapeHtml(until)}, once.</p>`
	};
}

/** The link that finishes a sign-up (the account is created when it is followed). */
export function signUpLinkEmail({
	to,
	link,
	expiresAt
}: {
	to: string;
	link: string;
	expiresAt: Date;
}): Email {
	const until = expiresAt.toUTCString();
	return {
		to,
		subject: 'Finish signing up to Tessera',
		text: `Someone (we hope you) asked to create a Tessera account for this email address.\n\nFinish signing up here: ${link}\n\nThe link works once, until ${until}. If it was not you, ignore this email: no account is created.`,
		html:
			`<p>Someone (we hope you) asked to create a Tessera account for this email address.</p>` +
			`<p><a href="${escapeHtml(link)}">Finish signing up</a></p>` +
			`<p>The link works once, until ${escapeHtml(until)}. If it was not you, ignore this email: no account is created.</p>`
	};
}

/** Sent instead of a sign-up link when the email already has an account; nothing changes. */
export function alreadyHaveAccountEmail({ to, origin }: { to: string; origin: string }): Email {
	const signIn = `${origin}/signin`;
	return {
		to,
		subject: 'You already have a Tessera account',
		text: `Someone (we hope you) tried to sign up to Tessera with this email address, but you already have an account.\n\nSign in here: ${signIn}\n\nForgot your password? Choose a new one here: ${origin}/reset-password\n\nIf it was not you, ignore this email: nothing changed.`,
		html:
			`<p>Someone (we hope you) tried to sign up to Tessera with this email address, but you already have an account.</p>` +
			`<p><a href="${escapeHtml(signIn)}">Sign in</a></p>` +
			`<p>Forgot your password? <a href="${escapeHtml(`${origin}/reset-password`)}">Choose a new one</a>.</p>` +
			`<p>If it was not you, ignore this email: nothing changed.</p>`
	};
}

/** The link that lets a person choose a new password (sent only to an account's address). */
export function passwordResetEmail({
	to,
	link,
	expiresAt
}: {
	to: string;
	link: string;
	expiresAt: Date;
}): Email {
	const until = expiresAt.toUTCString();
	return {
		to,
		subject: 'Choose a new Tessera password',
		text: `Someone (we hope you) asked to reset the password of the Tessera account for this email address.\n\nChoose a new password here: ${link}\n\nThe link works once, until ${until}. Choosing a new password signs you out everywhere. If it was not you, ignore this email: your password stays as it is.`,
		html:
			`<p>Someone (we hope you) asked to reset the password of the Tessera account for this email address.</p>` +
			`<p><a href="${escapeHtml(link)}">Choose a new password</a></p>` +
			`<p>The link works once, until ${escapeHtml(until)}. Choosing a new password signs you out everywhere. If it was not you, ignore this email: your password stays as it is.</p>`
	};
}
