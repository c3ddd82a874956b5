/**
 * The OpenAPI 3.1 contract of /api/v1, built from the per-area route lists next to this file.
 * Request bodies and queries are converted from the valibot schemas the routes parse with
 * (`@valibot/to-json-schema`), so what the document says is what the server checks.
 * tests/integration/openapi.test.ts checks it against the routes and a maintained validator.
 */
import * as v from 'valibot';
import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema';
import type { ApiRoute, ErrorStatus } from './route';
import { accountsRoutes } from './accounts';
import { announcementsRoutes } from './announcements';
import { cohortsRoutes } from './cohorts';
import { courseGroupsRoutes } from './course-groups';
import { coursesRoutes } from './courses';
import { dashboardRoutes } from './dashboard';
import { directMessagesRoutes } from './direct-messages';
import { enrolmentsRoutes } from './enrolments';
import { groupingBinRoutes } from './grouping-bin';
import { groupsRoutes } from './groups';
import { learnerGroupsRoutes } from './learner-groups';
import { membershipsRoutes } from './memberships';
import { notificationsRoutes } from './notifications';
import { organisationsRoutes } from './organisations';
import { progressRoutes } from './progress';
import { resourcesRoutes } from './resources';
import { selfEnrolmentRoutes } from './self-enrolment';
import { threadsRoutes } from './threads';

export type { ApiRoute } from './route';

/** Every operation, by area; the tag of each is its area's name. */
export const apiAreas: Record<string, ApiRoute[]> = {
	accounts: accountsRoutes,
	organisations: organisationsRoutes,
	courses: coursesRoutes,
	enrolments: enrolmentsRoutes,
	groups: groupsRoutes,
	memberships: membershipsRoutes,
	cohorts: cohortsRoutes,
	'course groups': [...courseGroupsRoutes, ...groupingBinRoutes],
	'self-enrolment': selfEnrolmentRoutes,
	announcements: announcementsRoutes,
	resources: resourcesRoutes,
	progress: progressRoutes,
	'learner-groups': learnerGroupsRoutes,
	dashboard: dashboardRoutes,
	notifications: notificationsRoutes,
	threads: threadsRoutes,
	'direct messages': directMessagesRoutes
};

export const apiRoutes: ApiRoute[] = Object.values(apiAreas).flat();

/**
 * The JSON Schema of what a client sends. `typeMode: 'input'` stops each pipe before its first
 * transformation (trim and lower-casing keep the checks after them), so the document describes the
 * input, not the parsed value; checks written as functions (`v.check`) have no JSON Schema form
 * and are left out.
 */
export function jsonSchemaOf(schema: v.GenericSchema): JsonSchema {
	const { $schema: _, ...converted } = toJsonSchema(schema, {
		target: 'draft-2020-12',
		typeMode: 'input',
		errorMode: 'ignore',
		overrideSchema: ({ valibotSchema }) =>
			valibotSchema.type === 'date' ? { type: 'string', format: 'date-time' } : undefined
	});
	return converted;
}

const pathParamNames: Record<string, string> = {
	activities: 'activity',
	courses: 'course',
	groupings: 'grouping',
	groups: 'group',
	invites: 'invitation',
	'learner-groups': 'learner group',
	links: 'course link',
	organisations: 'organisation',
	requests: 'join request',
	tokens: 'token'
};

function pathParameters(path: string) {
	const segments = path.split('/');
	return segments.flatMap((segment, index) => {
		const name = /^\{(\w+)\}$/.exec(segment)?.[1];
		if (!name) return [];
		const what =
			name === 'id'
				? (pathParamNames[segments[index - 1]] ?? segments[index - 1])
				: name.replace(/Id$/, '').replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
		return [
			{
				name,
				in: 'path',
				required: true,
				description: `The ${what} id.`,
				schema: { type: 'string', format: 'uuid' }
			}
		];
	});
}

function queryParameters(route: ApiRoute) {
	const fromSchema = Object.entries(route.query?.entries ?? {}).map(([name, schema]) => {
		const optional = schema.type === 'optional' || schema.type === 'nullish';
		return {
			name,
			in: 'query',
			required: !optional,
			...(route.queryNotes?.[name] ? { description: route.queryNotes[name] } : {}),
			schema: jsonSchemaOf(schema)
		};
	});
	const extra = (route.extraQuery ?? []).map((parameter) => ({ ...parameter, in: 'query' }));
	return [...fromSchema, ...extra];
}

function requestBody(route: ApiRoute) {
	const body = route.body;
	if (!body) return undefined;
	if (body.kind === 'csv') {
		return {
			required: true,
			description: `A header row naming the columns (${body.columns}), then one row per line.`,
			content: { 'text/csv': { schema: { type: 'string' } } }
		};
	}
	if (body.kind === 'upload') {
		return {
			required: true,
			content: {
				'multipart/form-data': {
					schema: {
						type: 'object',
						required: ['file'],
						properties: {
							...(jsonSchemaOf(body.fields).properties as object),
							file: { type: 'string', contentMediaType: 'application/octet-stream' }
						}
					}
				},
				'application/octet-stream': { schema: { type: 'string' } }
			}
		};
	}
	return {
		required: !body.optional,
		...(body.description ? { description: body.description } : {}),
		content: {
			'application/json': {
				schema: jsonSchemaOf(body.document ?? body.schema),
				example: body.example
			}
		}
	};
}

function successResponse(route: ApiRoute) {
	const { status, content } = route.success;
	const description =
		route.success.description ??
		(status === 201
			? 'Created'
			: status === 202
				? 'Accepted'
				: status === 204
					? 'Done; no body.'
					: 'OK');
	if (status === 204 || !content) return { description };
	if (content === 'csv') {
		return {
			description,
			headers: { 'Content-Disposition': { schema: { type: 'string' } } },
			content: { 'text/csv': { schema: { type: 'string' } } }
		};
	}
	if (content === 'file') {
		return { description, content: { 'application/octet-stream': { schema: { type: 'string' } } } };
	}
	return { description, content: { 'application/json': { schema: { type: 'object' } } } };
}

function operation(tag: string, route: ApiRoute) {
	const parameters = [...pathParameters(route.path), ...queryParameters(route)];
	const body = requestBody(route);
	return {
		tags: [tag],
		operationId: route.operationId,
		summary: route.summary,
		...(route.description ? { description: route.description } : {}),
		...(route.public ? { security: [] } : {}),
		...(route.sessionOnly ? { security: [{ sessionCookie: [] }] } : {}),
		...(parameters.length ? { parameters } : {}),
		...(body ? { requestBody: body } : {}),
		responses: {
			[String(route.success.status)]: successResponse(route),
			...Object.fromEntries(
				route.errors.map((status) => [String(status), { $ref: `#/components/responses/${status}` }])
			)
		}
	};
}

function paths() {
	const result: Record<string, Record<string, unknown>> = {};
	for (const [tag, routes] of Object.entries(apiAreas)) {
		for (const route of routes) {
			result[route.path] ??= {};
			result[route.path][route.method] = operation(tag, route);
		}
	}
	return result;
}

const errorBody = {
	content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } }
};

const errorResponses: Record<ErrorStatus, { description: string; headers?: object }> = {
	400: {
		description:
			'The input is not valid; `issues` lists each problem by field. A field the body does not ' +
			'define is refused as "Unknown field: <name>".'
	},
	401: { description: 'No valid token or session, or wrong credentials.' },
	403: {
		description:
			'This needs a session, not a token; or the group does not allow it (not open, not by request).'
	},
	404: { description: 'Not found, or you do not have access.' },
	409: {
		description:
			'Conflicts with existing data (a slug, code or idnumber is taken, the group is full or has changed since the preview).'
	},
	410: { description: 'The link has expired or was already used (a password reset).' },
	413: { description: 'The body is over 2 MB, or the list is over 5,000 rows.' },
	415: { description: 'The body has the wrong Content-Type.' },
	422: { description: 'Nothing to work on (for example nobody to allocate).' },
	429: {
		description: 'Too many attempts.',
		headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } }
	}
};

export function buildOpenApiDocument() {
	return {
		openapi: '3.1.0',
		info: {
			title: 'Tessera API',
			version: '1.0.0',
			description:
				'Organisations, courses, enrolments, groups, memberships, invitations and cohort links for scripts and ' +
				'external systems. Authenticate with a personal access token (`Authorization: Bearer tsr_…`) or a ' +
				'session cookie from `POST /sessions`. Something missing and something you may not see give the ' +
				'same 404. Request bodies are limited to 2 MB, and a field a body does not define is refused (400).'
		},
		servers: [{ url: '/api/v1' }],
		security: [{ bearerAuth: [] }, { sessionCookie: [] }] as Record<string, string[]>[],
		tags: Object.keys(apiAreas).map((name) => ({ name })),
		paths: paths(),
		components: {
			securitySchemes: {
				bearerAuth: {
					type: 'http',
					scheme: 'bearer',
					bearerFormat: 'tsr_…',
					description: 'A personal access token.'
				},
				sessionCookie: { type: 'apiKey', in: 'cookie', name: 'tessera_session' }
			},
			responses: Object.fromEntries(
				Object.entries(errorResponses).map(([status, response]) => [
					status,
					{ ...response, ...errorBody }
				])
			),
			schemas: {
				Error: {
					type: 'object',
					required: ['error'],
					properties: {
						error: {
							type: 'object',
							required: ['code', 'message', 'issues'],
							properties: {
								code: {
									type: 'string',
									examples: ['not_found', 'invalid_input', 'unauthenticated']
								},
								message: { type: 'string', description: 'A sentence a person can act on.' },
								issues: {
									type: 'array',
									items: {
										type: 'object',
										required: ['message'],
										properties: { path: { type: 'string' }, message: { type: 'string' } }
									}
								}
							}
						}
					}
				}
			}
		}
	};
}

/** Built once per process: the schemas do not change while it runs. */
export const openApiDocument = buildOpenApiDocument();
