import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane.
const ARGON2 = { memoryCost: 19456, timeCost: 2, outputLen: 32, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

const COMMON = new Set([
	'password123',
	'password1234',
	'1234567890',
	'12345678910',
	'qwertyuiop',
	'iloveyou123',
	'letmein1234',
	'welcome123',
	'admin12345',
	'passw0rd123',
	'0987654321',
	'abcdefghij',
	'qwerty1234',
	'1111111111',
	'aaaaaaaaaa',
	'football123',
	'baseball123',
	'princess123'
]);

export function hashPassword(password: string): Promise<string> {
	return hash(password, ARGON2);
}

export function verifyPasswordHash(passwordHash: string, password: string): Promise<boolean> {
	return verify(passwordHash, password).catch(() => false);
}

/** Why a password is too weak, or null when it is strong enough. */
export function passwordWeakness(password: string, email = ''): string | null {
	if (password.length < PASSWORD_MIN_LENGTH) {
		return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
	}
	if (password.length > PASSWORD_MAX_LENGTH) {
		return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
	}
	const lower = password.toLowerCase();
	if (COMMON.has(lower) || new Set(lower).size < 4) {
		return 'This password is too common or too simple. Try a few unrelated words.';
	}
	const local = email.split('@')[0]?.toLowerCase();
	if (local && local.length >= 3 && lower.includes(local)) {
		return 'Do not use your email address in your password.';
	}
	return null;
}
