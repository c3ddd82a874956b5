import type { SessionUser, Session } from '$lib/server/auth/session';

declare global {
	namespace App {
		interface Error {
			message: string;
			code?: string;
		}
		interface Locals {
			user: SessionUser | null;
			session: Session | null;
			/** How the request was authenticated: a session cookie or a personal access token. */
			via: 'app' | 'api';
		}
	}
}

export {};
