import * as v from 'valibot';
import { displayName, email, readableName } from './common';

export const signUp = v.strictObject({
	email,
	displayName,
	password: v.pipe(v.string('Choose a password.'), v.nonEmpty('Choose a password.'))
});

export const signIn = v.strictObject({
	email,
	password: v.pipe(v.string('Enter your password.'), v.nonEmpty('Enter your password.'))
});

export const changePassword = v.strictObject({
	currentPassword: v.pipe(v.string(), v.nonEmpty('Enter your current password.')),
	newPassword: v.pipe(v.string(), v.nonEmpty('Choose a new password.'))
});

export const apiTokenCreate = v.strictObject({
	name: v.pipe(
		v.string(),
		v.trim(),
		v.nonEmpty('Name the token.'),
		v.maxLength(100, 'Use at most 100 characters.'),
		readableName
	),
	expiresInDays: v.optional(
		v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(365, 'Tokens last at most 365 days.'))
	)
});

export const passwordResetRequest = v.strictObject({ email });

export const passwordResetComplete = v.strictObject({
	token: v.pipe(
		v.string('The link is not complete.'),
		v.nonEmpty('The link is not complete.'),
		v.maxLength(100, 'The link is not right.')
	),
	password: v.pipe(v.string('Choose a new password.'), v.nonEmpty('Choose a new password.'))
});
