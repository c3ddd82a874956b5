import { describe, expect, it } from 'vitest';
import * as accounts from '$lib/server/auth/accounts';
import { validateSessionToken } from '$lib/server/auth/session';
import { hashToken } from '$lib/server/auth/token';
import { DomainError } from '$lib/server/errors';
import { createUser, FIXTURE_PASSWORD, ownerDb } from './helpers';

describe('accounts', () => {
	it('signs up, stores only the SHA-256 of the session token, and validates it', async () => {
		const { token, user } = await accounts.signUp({
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

	it('refuses a duplicate email with a clear message and creates nothing', async () => {
		const existing = await createUser();
		const error = await accounts
			.signUp({
				email: existing.email.toUpperCase(),
				displayName: 'Copy',
				password: 'plum orbit canvas'
			})
			.catch((e) => e);
		expect(error).toBeInstanceOf(DomainError);
		expect(error.message).toMatch(/already exists/);
		const [{ count }] =
			await ownerDb()`select count(*)::int from public.users where email = ${existing.email}`;
		expect(count).toBe(1);
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
