import { describe, expect, it } from 'vitest';
import * as accounts from '$lib/server/auth/accounts';
import { DomainError } from '$lib/server/errors';
import { createUser, FIXTURE_PASSWORD, ownerDb, type TestUser } from './helpers';

// Sign-in throttling slows a guesser without letting anyone lock the owner out
// (docs/decisions.md, Sessions): a doubling wait per account and address, a cap per address, and
// an account-wide wait that the owner's known browser (its device cookie) does not feel.

let address = 0;
/** A fresh address per test, so counters never leak between tests. */
const newAddress = () => `198.51.${Math.floor(address / 250)}.${(address++ % 250) + 1}`;

async function attempt(
	user: Pick<TestUser, 'email'>,
	ip: string,
	{ password = 'not the password', deviceToken }: { password?: string; deviceToken?: string } = {}
) {
	try {
		const signedIn = await accounts.signIn({ email: user.email, password }, ip, { deviceToken });
		return { status: 201, deviceToken: signedIn.deviceToken, retryAfter: 0, message: '' };
	} catch (error) {
		if (!(error instanceof DomainError)) throw error;
		return {
			status: error.status,
			deviceToken: undefined,
			retryAfter: error.retryAfterSeconds ?? 0,
			message: error.message
		};
	}
}

/** Lets a wait run out at once, as if its time had passed. */
async function endWaits(keyPrefix: string) {
	await ownerDb()`
		update public.sign_in_throttle set locked_until = now() - interval '1 second'
		where key like ${keyPrefix + '%'} and locked_until > now()`;
}

describe('sign-in throttling', () => {
	it('lets five wrong passwords from one address through, then makes that address wait, doubling each time', async () => {
		const owner = await createUser();
		const ip = newAddress();
		for (let i = 0; i < 5; i++) expect((await attempt(owner, ip)).status).toBe(401);
		const waiting = await attempt(owner, ip, { password: FIXTURE_PASSWORD });
		expect(waiting.status).toBe(429);
		expect(waiting.retryAfter).toBeGreaterThan(0);
		expect(waiting.retryAfter).toBeLessThanOrEqual(30);
		expect(waiting.message).toBe('Too many sign-in attempts. Try again in 1 minute.');

		await endWaits(`pair:${owner.email}|${ip}`);
		expect((await attempt(owner, ip)).status).toBe(401);
		const longer = await attempt(owner, ip);
		expect(longer.status).toBe(429);
		expect(longer.retryAfter).toBeGreaterThan(30);
		expect(longer.retryAfter).toBeLessThanOrEqual(60);

		// The owner, elsewhere, is not slowed by this address's failures.
		expect((await attempt(owner, newAddress(), { password: FIXTURE_PASSWORD })).status).toBe(201);
	});

	it('does not lock the owner out when someone fails from many addresses; a new browser waits', async () => {
		const owner = await createUser();
		const known = await attempt(owner, newAddress(), { password: FIXTURE_PASSWORD });
		expect(known.status).toBe(201);
		expect(known.deviceToken).toMatch(/^[a-z2-7]{32}$/);

		// 20 guesses, each from another address: no address reaches its own limit.
		for (let i = 0; i < 20; i++) expect((await attempt(owner, newAddress())).status).toBe(401);
		const guesser = await attempt(owner, newAddress());
		expect(guesser.status).toBe(429);
		expect(guesser.retryAfter).toBeGreaterThan(0);

		// The owner's browser, known from the earlier sign-in, gets in from a new address...
		const again = await attempt(owner, newAddress(), {
			password: FIXTURE_PASSWORD,
			deviceToken: known.deviceToken
		});
		expect(again.status).toBe(201);
		expect(again.deviceToken).toBe(known.deviceToken);
		// ...and that success restarts the account's count, so a new browser is let in again too.
		expect((await attempt(owner, newAddress(), { password: FIXTURE_PASSWORD })).status).toBe(201);
	});

	it('makes a browser the owner never used wait while a distributed guess is going on', async () => {
		const owner = await createUser();
		for (let i = 0; i < 20; i++) await attempt(owner, newAddress());
		const stranger = await attempt(owner, newAddress(), { password: FIXTURE_PASSWORD });
		expect(stranger.status).toBe(429);
		expect(stranger.retryAfter).toBeLessThanOrEqual(15 * 60);
		// A device cookie of another account is no key to this one.
		const other = await createUser();
		const othersDevice = (await attempt(other, newAddress(), { password: FIXTURE_PASSWORD }))
			.deviceToken;
		const borrowed = await attempt(owner, newAddress(), {
			password: FIXTURE_PASSWORD,
			deviceToken: othersDevice
		});
		expect(borrowed.status).toBe(429);
	});

	it('caps an address that tries many accounts, without touching those accounts elsewhere', async () => {
		const sprayer = newAddress();
		for (let i = 0; i < 30; i++) {
			expect((await attempt({ email: `spray-${i}@example.test` }, sprayer)).status).toBe(401);
		}
		const owner = await createUser();
		const capped = await attempt(owner, sprayer, { password: FIXTURE_PASSWORD });
		expect(capped.status).toBe(429);
		expect(capped.retryAfter).toBeGreaterThan(14 * 60);
		expect(capped.message).toBe('Too many sign-in attempts. Try again in 15 minutes.');
		expect((await attempt(owner, newAddress(), { password: FIXTURE_PASSWORD })).status).toBe(201);
	});

	it('forgets the failures of an address once the owner signs in from it', async () => {
		const owner = await createUser();
		const ip = newAddress();
		for (let i = 0; i < 4; i++) expect((await attempt(owner, ip)).status).toBe(401);
		expect((await attempt(owner, ip, { password: FIXTURE_PASSWORD })).status).toBe(201);
		for (let i = 0; i < 5; i++) expect((await attempt(owner, ip)).status).toBe(401);
		expect((await attempt(owner, ip)).status).toBe(429);
	});
});
