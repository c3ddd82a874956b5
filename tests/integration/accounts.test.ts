import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as accounts from '$lib/server/auth/accounts';
import { SIGN_UP_SENT } from '$lib/server/auth/accounts';
import { resetTransport } from '$lib/server/email';
import { validateSessionToken } from '$lib/server/auth/session';
import { hashToken } from '$lib/server/auth/token';
import { DomainError } from '$lib/server/errors';
import { createUser, FIXTURE_PASSWORD, ownerDb } from './helpers';
import { ORIGIN, mailTo, signUpThroughLink, signUpToken, someAddress } from './signup-link';
import { startSink, unfold, type Received } from './smtp-sink';

let sink: Awaited<ReturnType<typeof startSink>>;

beforeAll(async () => {
	sink = await startSink();
	process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
	resetTransport();
});

afterAll(async () => {
	delete process.env.SMTP_URL;
	resetTransport();
	await sink.close();
});

const subjectOf = (mail: Received) => unfold(mail.raw).match(/^Subject: (.*)$/m)?.[1];
const newEmail = () => `new-${randomUUID().slice(0, 8)}@example.test`;

describe('accounts', () => {
	it('signs up, stores only the SHA-256 of the session token, and validates it', async () => {
		const { token, user } = await signUpThroughLink(sink.inbox, {
			email: 'New.Person@Example.test',
			displayName: 'New Person',
			password: 'plum orbit canvas'
		});
		expect(user.email).toBe('new.person@example.test');
		expect(token.length).toBeGreaterThanOrEqual(26);
		const stored = await ownerDb()`select id from public.sessions where user_id = ${user.id}`;
		expect(stored.map((row) => row.id)).toEqual([hashToken(token)]);
		expect((await validateSessionToken(token)).user?.id).toBe(user.id);
	});

	it('answers a duplicate email like a new one, emails "you already have an account", and creates nothing', async () => {
		const existing = await createUser();
		const from = sink.inbox.length;
		const answer = await accounts.signUp(
			{
				email: existing.email.toUpperCase(),
				displayName: 'Copy',
				password: 'plum orbit canvas'
			},
			{ ip: someAddress(), origin: ORIGIN }
		);
		expect(answer).toEqual({ message: SIGN_UP_SENT });
		const [{ count }] =
			await ownerDb()`select count(*)::int from public.users where email = ${existing.email}`;
		expect(count).toBe(1);
		const mails = mailTo(sink.inbox, existing.email, from);
		expect(mails.map(subjectOf)).toEqual(['You already have a Tessera account']);
		expect(signUpToken(mails[0])).toBeNull();
		expect(unfold(mails[0].raw)).toContain(`${ORIGIN}/signin`);
		const pending =
			await ownerDb()`select count(*)::int from public.pending_sign_ups where email = ${existing.email}`;
		expect(pending[0].count).toBe(0);
	});

	it('gives a known and an unknown email the identical answer; only the right email goes out', async () => {
		const known = await createUser();
		const unknown = newEmail();
		const from = sink.inbox.length;
		const ask = (email: string) =>
			accounts.signUp(
				{ email, displayName: 'Someone', password: 'plum orbit canvas' },
				{ ip: someAddress(), origin: ORIGIN }
			);
		const knownAnswer = await ask(known.email);
		const unknownAnswer = await ask(unknown);
		expect(knownAnswer).toEqual(unknownAnswer);
		expect(JSON.stringify(knownAnswer)).toBe(JSON.stringify({ message: SIGN_UP_SENT }));

		const toKnown = mailTo(sink.inbox, known.email, from);
		const toUnknown = mailTo(sink.inbox, unknown, from);
		expect(toKnown.map(subjectOf)).toEqual(['You already have a Tessera account']);
		expect(toUnknown.map(subjectOf)).toEqual(['Finish signing up to Tessera']);
		expect(signUpToken(toUnknown[0])).toMatch(/^[a-z0-9]{26,}$/);
		expect(sink.inbox.length - from).toBe(2);
		// Nothing exists for the new email until the link is followed.
		const [{ count }] =
			await ownerDb()`select count(*)::int from public.users where email = ${unknown}`;
		expect(count).toBe(0);
	});

	it('takes about as long for a known email as for a new one (both hash the password)', async () => {
		const known = await createUser();
		const time = async (email: string) => {
			const started = performance.now();
			await accounts.signUp(
				{ email, displayName: 'Someone', password: 'plum orbit canvas' },
				{ ip: someAddress(), origin: ORIGIN }
			);
			return performance.now() - started;
		};
		await time(newEmail()); // warm-up
		const knownTimes = [await time(known.email), await time(known.email)];
		const unknownTimes = [await time(newEmail()), await time(newEmail())];
		const knownFastest = Math.min(...knownTimes);
		const unknownFastest = Math.min(...unknownTimes);
		// Without the hash on the known path it would take a small fraction of the new path's time.
		expect(knownFastest).toBeGreaterThan(unknownFastest * 0.5);
	});

	it('the link works once: a second use creates nothing and says the link is used up', async () => {
		const email = newEmail();
		const from = sink.inbox.length;
		await accounts.signUp(
			{ email, displayName: 'Once Only', password: 'plum orbit canvas' },
			{ ip: someAddress(), origin: ORIGIN }
		);
		const token = signUpToken(mailTo(sink.inbox, email, from)[0])!;
		// Looking at the link (what a mail scanner does) does not use it.
		expect(await accounts.pendingSignUp(token)).toEqual({ email });
		expect(await accounts.pendingSignUp(token)).toEqual({ email });
		const first = await accounts.confirmSignUp(token);
		expect(first.user.email).toBe(email);
		expect(first.user.displayName).toBe('Once Only');
		// The password chosen at sign-up is the one that signs in.
		const signedIn = await accounts.signIn({ email, password: 'plum orbit canvas' }, someAddress());
		expect(signedIn.user.id).toBe(first.user.id);

		expect(await accounts.pendingSignUp(token)).toBeNull();
		const again = await accounts.confirmSignUp(token).catch((e) => e);
		expect(again).toBeInstanceOf(DomainError);
		expect(again.status).toBe(400);
		expect(again.message).toMatch(/expired or was already used/);
		const [{ count }] =
			await ownerDb()`select count(*)::int from public.users where email = ${email}`;
		expect(count).toBe(1);
		const pending = await ownerDb()`select 1 from public.pending_sign_ups where email = ${email}`;
		expect(pending).toHaveLength(0);
	});

	it('an expired link creates nothing', async () => {
		const email = newEmail();
		const from = sink.inbox.length;
		await accounts.signUp(
			{ email, displayName: 'Too Late', password: 'plum orbit canvas' },
			{ ip: someAddress(), origin: ORIGIN }
		);
		const token = signUpToken(mailTo(sink.inbox, email, from)[0])!;
		const [row] = await ownerDb()`
			select extract(epoch from expires_at - created_at)::int as seconds
			from public.pending_sign_ups where token_hash = ${hashToken(token)}`;
		expect(row.seconds).toBe(24 * 60 * 60);
		await ownerDb()`
			update public.pending_sign_ups set expires_at = now() - interval '1 second'
			where token_hash = ${hashToken(token)}`;
		expect(await accounts.pendingSignUp(token)).toBeNull();
		const error = await accounts.confirmSignUp(token).catch((e) => e);
		expect(error.status).toBe(400);
		expect(error.message).toMatch(/expired/);
		const [{ count }] =
			await ownerDb()`select count(*)::int from public.users where email = ${email}`;
		expect(count).toBe(0);
	});

	it('an unknown token creates nothing', async () => {
		const error = await accounts.confirmSignUp('a'.repeat(32)).catch((e) => e);
		expect(error.status).toBe(400);
	});

	it('a link for an email that got an account meanwhile creates no second account', async () => {
		const email = newEmail();
		const from = sink.inbox.length;
		for (const name of ['First Try', 'Second Try']) {
			await accounts.signUp(
				{ email, displayName: name, password: 'plum orbit canvas' },
				{ ip: someAddress(), origin: ORIGIN }
			);
		}
		const [first, second] = mailTo(sink.inbox, email, from).map((mail) => signUpToken(mail)!);
		expect((await accounts.confirmSignUp(second)).user.displayName).toBe('Second Try');
		expect((await accounts.confirmSignUp(first).catch((e) => e)).status).toBe(400);
		const users = await ownerDb()`select display_name from public.users where email = ${email}`;
		expect(users.map((u) => u.display_name)).toEqual(['Second Try']);
	});

	it('throttles sign-up per email, known or not, so nobody can flood an inbox', async () => {
		const known = await createUser();
		for (const email of [known.email, newEmail()]) {
			const from = sink.inbox.length;
			for (let i = 0; i < 3; i++) {
				await accounts.signUp(
					{ email, displayName: 'Flood', password: 'plum orbit canvas' },
					{ ip: someAddress(), origin: ORIGIN }
				);
			}
			const refused = await accounts
				.signUp(
					{ email, displayName: 'Flood', password: 'plum orbit canvas' },
					{ ip: someAddress(), origin: ORIGIN }
				)
				.catch((e) => e);
			expect(refused).toBeInstanceOf(DomainError);
			expect(refused.status).toBe(429);
			expect(refused.retryAfterSeconds).toBeGreaterThan(0);
			expect(refused.message).toMatch(/Too many sign-up attempts\. Try again in \d+ minutes?\./);
			expect(mailTo(sink.inbox, email, from)).toHaveLength(3);
		}
	});

	it('throttles sign-up per address', async () => {
		const ip = someAddress();
		const from = sink.inbox.length;
		for (let i = 0; i < 20; i++) {
			await accounts.signUp(
				{ email: newEmail(), displayName: 'Spammer', password: 'plum orbit canvas' },
				{ ip, origin: ORIGIN }
			);
		}
		const email = newEmail();
		const refused = await accounts
			.signUp(
				{ email, displayName: 'Spammer', password: 'plum orbit canvas' },
				{ ip, origin: ORIGIN }
			)
			.catch((e) => e);
		expect(refused.status).toBe(429);
		expect(mailTo(sink.inbox, email, from)).toHaveLength(0);
		expect(sink.inbox.length - from).toBe(20);
		// Another address is not held back.
		await accounts.signUp(
			{ email, displayName: 'Someone Else', password: 'plum orbit canvas' },
			{ ip: someAddress(), origin: ORIGIN }
		);
		expect(mailTo(sink.inbox, email, from)).toHaveLength(1);
	});

	it('gives the same answer for an unknown email and a wrong password', async () => {
		const user = await createUser();
		const unknown = await accounts
			.signIn({ email: 'nobody@example.test', password: 'whatever it is' }, '10.0.0.1')
			.catch((e) => e);
		const wrong = await accounts
			.signIn({ email: user.email, password: 'not the password' }, '10.0.0.1')
			.catch((e) => e);
		expect(unknown.message).toBe(wrong.message);
		expect(unknown.status).toBe(401);
		expect(wrong.status).toBe(401);
	});

	it('ends other sessions when the password changes, and a disabled account at once', async () => {
		const user = await createUser();
		const first = await accounts.signIn(
			{ email: user.email, password: FIXTURE_PASSWORD },
			'10.2.0.1'
		);
		const second = await accounts.signIn(
			{ email: user.email, password: FIXTURE_PASSWORD },
			'10.2.0.1'
		);
		await accounts.changePassword(first.user, first.session.id, {
			currentPassword: FIXTURE_PASSWORD,
			newPassword: 'a brand new phrase'
		});
		expect((await validateSessionToken(first.token)).session).not.toBeNull();
		expect((await validateSessionToken(second.token)).session).toBeNull();

		const admin = await createUser({ admin: true });
		await accounts.setDisabled({ id: admin.id }, user.id, true);
		expect((await validateSessionToken(first.token)).session).toBeNull();
		const again = await accounts
			.signIn({ email: user.email, password: 'a brand new phrase' }, '10.2.0.2')
			.catch((e) => e);
		expect(again.status).toBe(401);
	});
});
