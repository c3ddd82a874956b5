import { json } from '@sveltejs/kit';
import { openApiDocument } from '$lib/server/api/openapi';
import { methodNotAllowed } from '$lib/server/api/respond';

/** Public, so tools can read the contract before they hold a token. */
export const GET = () => json(openApiDocument);

export const fallback = methodNotAllowed(['GET']);
