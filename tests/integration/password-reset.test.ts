import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as accounts from '$lib/server/auth/accounts';
import { RESET_SENT } from '$lib/server/auth/password-reset';
import { createSession, validateSessionToken } from '$lib/server/auth/session';
import { hashToken } from '$lib/server/auth/token';
import { startJobs, stopJobs } from '$lib/server/background';
import { asService } from '$lib/server/db';
import { resetTransport } from '$lib/server/email';
import { DomainError } from '$lib/server/errors';
import * as requestRoute from '../../src/routes/api/v1/password-resets/+server';
import * as completeRoute from '../../src/routes/api/v1/password-resets/complete/+server';
import { createUser, FIXTURE_PASSWORD, ownerDb, type TestUser } from './helpers';
import { callEndpoint } from './route-call';
import { startSink, unfold } from './smtp-sink';

// The whole path: the JSON API, the job queue, a real SMTP server, the database.

let sink: Awaited<ReturnType<typeof startSink>>;

beforeAll(async () => {
	sink = await startSink();
	process.env.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
	process.env.MEMBERSHIP_SWEEP_MS = '600000';
	resetTransport();
	await startJobs();
});

afterAll(async () => {
	await stopJobs();
	delete process.env.SMTP_URL;
	resetTransport();
	await sink.close();
});

const NEW_PASSWORD = 'saffron lantern quarry';

const ask = (email: string) =>
	callEndpoint(requestRoute.POST, { user: null, json: { email }, path: '/api/v1/password-resets' });

const complete = (token: string, password = NEW_PASSWORD) =>
	callEndpoint(completeRoute.POST, {
		user: null,
		json: { token, password },
		path: '/api/v1/password-resets/complete'
	});

async function resetLink(email: string): Promise<string> {
	const until = Date.now() + 20_000;
	for (;;) {
		const mail = sink.inbox.find(
			(m) => m.to.includes(email) && unfold(m.raw).includes('/reset-password/')
		);
		const token = mail && unfold(mail.raw).match(/\/reset-password\/([a-z0-9]+)/)?.[1];
		if (token) return token;
		if (Date.now() > until) throw new Error(`no reset link reached ${email}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

async function signInWith(user: TestUser, password: string) {
	try {
		await accounts.signIn(
			{ email: user.email, password },
			`10.9.${Math.floor(Math.random() * 250)}.1`
		);
		return true;
	} catch (error) {
		if (error instanceof DomainError && error.status === 401) return false;
		throw error;
	}
}

describe('password reset', () => {
	it('emails a single-use link; the new password works, the old does not, every session ends', async () => {
		const user = await createUser();
		const session = await asService((tx) => createSession(tx, user.id));
		const answer = await ask(user.email.toUpperCase());
		expect(answer).toEqual({ status: 202, body: { message: RESET_SENT } });
		const token = await resetLink(user.email);
		// Only the SHA-256 of the token is stored.
		const stored = await ownerDb()`
			select token_hash, expires_at - created_at as lifetime from public.password_resets where user_id = ${user.id}`;
		expect(stored.map((row) => row.token_hash)).toEqual([hashToken(token)]);

		const done = await complete(token);
		expect(done.status).toBe(200);
		expect((await validateSessionToken(session.token)).user).toBeNull();
		expect(await signInWith(user, FIXTURE_PASSWORD)).toBe(false);
		expect(await signInWith(user, NEW_PASSWORD)).toBe(true);

		const again = await complete(token, 'another long passphrase');
		expect(again.status).toBe(410);
		expect(again.body).toMatchObject({ error: { code: 'link_invalid' } });
		expect(await signInWith(user, 'another long passphrase')).toBe(false);
	});

	it('refuses an expired link and changes nothing', async () => {
		const user = await createUser();
		await ask(user.email);
		const token = await resetLink(user.email);
		await ownerDb()`update public.password_resets set expires_at = now() - interval '1 second'
			where token_hash = ${hashToken(token)}`;
		const answer = await complete(token);
		expect(answer.status).toBe(410);
		expect(answer.body).toMatchObject({ error: { code: 'link_invalid' } });
		expect(await signInWith(user, FIXTURE_PASSWORD)).toBe(true);
	});

	it('expires links after an hour', async () => {
		const user = await createUser();
		await ask(user.email);
		await resetLink(user.email);
		const [row] = await ownerDb()`
			select extract(epoch from expires_at - created_at)::int as seconds
			from public.password_resets where user_id = ${user.id}`;
		expect(row.seconds).toBe(3600);
	});

	it('answers an unknown email exactly as a known one, and sends it nothing', async () => {
		const known = await createUser();
		const unknown = `nobody-${randomUUID().slice(0, 8)}@example.test`;
		const knownAnswer = await ask(known.email);
		const unknownAnswer = await ask(unknown);
		expect(JSON.stringify(unknownAnswer)).toBe(JSON.stringify(knownAnswer));
		await resetLink(known.email);
		// The job for the unknown email ran too (queued before the known one's, same queue).
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(sink.inbox.filter((mail) => mail.to.includes(unknown))).toEqual([]);
	});

	it('keeps a weak password out and the link usable', async () => {
		const user = await createUser();
		await ask(user.email);
		const token = await resetLink(user.email);
		const weak = await complete(token, 'short');
		expect(weak.status).toBe(400);
		expect(weak.body).toMatchObject({ error: { issues: [{ path: 'password' }] } });
		expect((await complete(token)).status).toBe(200);
	});

	it('throttles per email with a 429 and Retry-After, known and unknown alike', async () => {
		for (const email of [
			(await createUser()).email,
			`ghost-${randomUUID().slice(0, 8)}@example.test`
		]) {
			const answers = [];
			for (let i = 0; i < 4; i++) answers.push((await ask(email)).status);
			expect(answers).toEqual([202, 202, 202, 429]);
		}
	});

	it('names a bad field and refuses unknown ones', async () => {
		const bad = await callEndpoint(requestRoute.POST, {
			user: null,
			json: { email: 'not an email', extra: 1 },
			path: '/api/v1/password-resets'
		});
		expect(bad.status).toBe(400);
		const bogus = await complete('nosuchtoken');
		expect(bogus.status).toBe(410);
		expect(bogus.body).toMatchObject({ error: { code: 'link_invalid' } });
	});

	it('sends nothing to a disabled account', async () => {
		const user = await createUser();
		await ownerDb()`update public.users set disabled_at = now() where id = ${user.id}`;
		const other = await createUser();
		await ask(user.email);
		await ask(other.email);
		await resetLink(other.email);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(sink.inbox.filter((mail) => mail.to.includes(user.email))).toEqual([]);
	});
});
