import type { RequestEvent } from '@sveltejs/kit';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a write comes from a page the app did not serve. SvelteKit's own check covers form
 * content types only; a `fetch(…, { mode: 'no-cors', credentials: 'include' })` from another
 * port of the same host is same-site, so the SameSite=Lax cookie rides along. Browsers send
 * `Origin` on every such write (and `Sec-Fetch-Site` where they know it); a request with neither
 * is not from a browser page, so it cannot carry a forged click. A personal access token is
 * never sent by a browser on its own, so token requests are left alone.
 */
export function isCrossOriginWrite(event: RequestEvent): boolean {
	const { request, url } = event;
	if (!WRITES.has(request.method)) return false;
	if (/^Bearer\s/i.test(request.headers.get('authorization') ?? '')) return false;
	const origin = request.headers.get('origin');
	if (origin !== null) return origin !== url.origin;
	const site = request.headers.get('sec-fetch-site');
	return site !== null && site !== 'same-origin' && site !== 'none';
}

/**
 * The 403 for a write from another origin: JSON under /api like every other API error, else a
 * small page (a forged form lands the person on it, so it says what happened and where to go).
 */
export function crossOriginRefusal(event: RequestEvent): Response {
	const message =
		'This request came from another site. Use Tessera itself, or a personal access token for scripts.';
	return event.url.pathname.startsWith('/api/')
		? Response.json(
				{ error: { code: 'cross_origin', message, issues: [] } },
				{ status: 403, headers: { vary: 'origin' } }
			)
		: new Response(
				'<!doctype html><html lang="en"><head><meta charset="utf-8">' +
					'<meta name="viewport" content="width=device-width, initial-scale=1">' +
					'<title>Refused · Tessera</title></head><body style="font-family:system-ui,sans-serif;margin:2rem">' +
					`<main><h1>Refused</h1><p>${message}</p><p><a href="/">Go to Tessera</a></p></main></body></html>`,
				{ status: 403, headers: { 'content-type': 'text/html; charset=utf-8' } }
			);
}
