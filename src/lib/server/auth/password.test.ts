import { describe, expect, it } from 'vitest';
import { hashPassword, passwordWeakness, verifyPasswordHash } from './password';

describe('passwords', () => {
	it('verifies the password it hashed and rejects another', async () => {
		const stored = await hashPassword('correct horse battery');
		expect(stored.startsWith('$argon2id$')).toBe(true);
		expect(await verifyPasswordHash(stored, 'correct horse battery')).toBe(true);
		expect(await verifyPasswordHash(stored, 'correct horse batterz')).toBe(false);
	});

	it('treats a malformed stored hash as a wrong password', async () => {
		expect(await verifyPasswordHash('not-a-hash', 'anything at all')).toBe(false);
	});

	it('refuses short, common, repetitive and email-based passwords', () => {
		expect(passwordWeakness('short')).toMatch(/at least 10/);
		expect(passwordWeakness('Password123')).toMatch(/too common/);
		expect(passwordWeakness('aaaaaaaaaaaaaa')).toMatch(/too common/);
		expect(passwordWeakness('maya.okafor-2026', 'maya.okafor@example.test')).toMatch(/email/);
		expect(passwordWeakness('x'.repeat(300))).toMatch(/at most/);
		expect(passwordWeakness('plum orbit canvas')).toBeNull();
	});
});
