import { json, type ApiRoute } from './route';
import * as authSchemas from '$lib/schemas/auth';
import * as peopleSchemas from '$lib/schemas/people';

export const accountsRoutes: ApiRoute[] = [
	{
		method: 'get',
		path: '/me',
		operationId: 'getMe',
		summary: 'The caller',
		success: { status: 200, content: 'json' },
		errors: [401]
	},
	{
		method: 'patch',
		path: '/me',
		operationId: 'updateMe',
		summary: "Change the caller's own settings (their time zone)",
		description:
			'Every date the app shows or reads from a form is in this IANA zone; unknown zones are a 400.',
		body: json(peopleSchemas.personSettings, { timeZone: 'Europe/Paris' }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 415]
	},
	{
		method: 'put',
		path: '/me/browser-time-zone',
		operationId: 'adoptBrowserTimeZone',
		summary: "Offer the browser's time zone; kept only when the caller has none yet",
		body: json(peopleSchemas.personSettings, { timeZone: 'America/New_York' }),
		success: { status: 200, content: 'json' },
		errors: [400, 401, 415]
	},
	{
		method: 'post',
		path: '/sessions',
		operationId: 'signIn',
		summary: 'Sign in with email and password; sets the session cookie',
		description:
			'Throttled per account and per address: too many failures give 429 with Retry-After.',
		public: true,
		body: json(authSchemas.signIn, { email: 'ada@example.com', password: 'correct horse battery' }),
		success: { status: 201, description: 'Signed in; the session cookie is set.', content: 'json' },
		errors: [400, 401, 415, 429]
	},
	{
		method: 'post',
		path: '/password-resets',
		operationId: 'requestPasswordReset',
		summary: 'Ask for a password reset link by email',
		description:
			'The same 202 whether or not the email has an account; only an account gets the link (valid one hour, once). Throttled per email and per address: 429 with Retry-After.',
		public: true,
		body: json(authSchemas.passwordResetRequest, { email: 'ada@example.com' }),
		success: { status: 202, content: 'json' },
		errors: [400, 415, 429]
	},
	{
		method: 'post',
		path: '/password-resets/complete',
		operationId: 'completePasswordReset',
		summary: 'Choose a new password with the emailed token; ends every session of the account',
		public: true,
		body: json(authSchemas.passwordResetComplete, {
			token: 'the token from the emailed link',
			password: 'saffron lantern quarry'
		}),
		success: { status: 200, content: 'json' },
		errors: [400, 410, 415]
	},
	{
		method: 'delete',
		path: '/sessions/current',
		operationId: 'signOut',
		summary: 'Sign out: end the session of the cookie sent',
		sessionOnly: true,
		success: { status: 204 },
		errors: [400, 401]
	},
	{
		method: 'get',
		path: '/tokens',
		operationId: 'listTokens',
		summary: "The caller's personal access tokens (session only)",
		sessionOnly: true,
		success: { status: 200, content: 'json' },
		errors: [401, 403]
	},
	{
		method: 'post',
		path: '/tokens',
		operationId: 'createToken',
		summary: 'Create a personal access token (session only); the secret is shown once',
		sessionOnly: true,
		body: json(authSchemas.apiTokenCreate, { name: 'Nightly sync', expiresInDays: 90 }),
		success: { status: 201, content: 'json' },
		errors: [400, 401, 403, 415]
	},
	{
		method: 'delete',
		path: '/tokens/{id}',
		operationId: 'revokeToken',
		summary: 'Revoke a token (session only)',
		sessionOnly: true,
		success: { status: 204 },
		errors: [401, 403, 404]
	},
	{
		method: 'get',
		path: '/openapi.json',
		operationId: 'getOpenApi',
		summary: 'This document',
		public: true,
		success: { status: 200, content: 'json' },
		errors: []
	}
];
