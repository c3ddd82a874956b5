import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { DomainError } from '$lib/server/errors';
import type { SessionUser } from '$lib/server/auth/session';

/** The signed-in user, or a redirect to the sign-in page that comes back here afterwards. */
export function requireUser(event: Pick<RequestEvent, 'locals' | 'url'>): SessionUser {
	const user = event.locals.user;
	if (!user || event.locals.via !== 'app') {
		const back = event.url.pathname + event.url.search;
		redirect(303, `/signin?redirectTo=${encodeURIComponent(back)}`);
	}
	return user;
}

/** Only same-site paths, so a crafted link cannot send someone elsewhere after signing in. */
export function safeRedirectTarget(target: string | null | undefined): string {
	if (!target || !target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) {
		return '/';
	}
	return target;
}

/** Awaits a domain call in a load function; an expected domain error becomes the error page. */
export async function orErrorPage<T>(promise: Promise<T>): Promise<T> {
	try {
		return await promise;
	} catch (caught) {
		if (caught instanceof DomainError) {
			error(caught.status, { message: caught.message, code: caught.code });
		}
		throw caught;
	}
}
