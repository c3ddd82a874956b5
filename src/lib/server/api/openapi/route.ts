import type * as v from 'valibot';

/**
 * One operation of /api/v1 as the OpenAPI document shows it. The request body and the query are
 * the valibot schemas the route itself parses, so the document cannot drift from the checks.
 */
export type ApiRoute = {
	method: 'get' | 'post' | 'put' | 'patch' | 'delete';
	/** As in the document: `/groups/{id}/members`, relative to the server URL `/api/v1`. */
	path: string;
	operationId: string;
	summary: string;
	description?: string;
	/** Callable without signing in (`security: []`). */
	public?: boolean;
	/** Callable with a session cookie only, never a token. */
	sessionOnly?: boolean;
	body?: Body;
	/** An object schema whose entries are the query parameters (queries are not strict). */
	query?: ObjectLike;
	/** Descriptions of query parameters, by name. */
	queryNotes?: Record<string, string>;
	/** Query parameters a route reads without a schema of its own. */
	extraQuery?: { name: string; description: string; schema: Record<string, unknown> }[];
	success: Success;
	errors: ErrorStatus[];
};

export type ObjectLike = v.GenericSchema & { entries: Record<string, v.GenericSchema> };

export type Body =
	| {
			kind: 'json';
			/** The schema the route (or the domain verb it calls) parses the body with. */
			schema: v.GenericSchema;
			/**
			 * What the document shows, when the route parses in two steps (ingest checks the envelope,
			 * then each statement on its own): built from the same schemas.
			 */
			document?: v.GenericSchema;
			/** A valid body: shown in the document and sent by the contract test to the real route. */
			example: Record<string, unknown>;
			/** The body may be left out entirely (no Content-Type, no length). */
			optional?: boolean;
			description?: string;
	  }
	| { kind: 'csv'; columns: string }
	/** A file: multipart/form-data with a `file` field and `fields`, or the raw bytes. */
	| { kind: 'upload'; fields: ObjectLike };

export type Success = {
	status: 200 | 201 | 202 | 204;
	description?: string;
	content?: 'json' | 'csv' | 'file';
};

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429;

/** A JSON body parsed with `schema`, with a valid example. */
export function json(
	schema: v.GenericSchema,
	example: Record<string, unknown>,
	options: { optional?: boolean; description?: string; document?: v.GenericSchema } = {}
): Body {
	return { kind: 'json', schema, example, ...options };
}

/** A text/csv body whose header row names `columns`. */
export function csv(columns: string): Body {
	return { kind: 'csv', columns };
}

/** Placeholder ids for examples: valid uuids that name nothing. */
export const exampleId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
