/**
 * The OpenAPI 3.1 contract of /api/v1, written by hand next to the routes it describes.
 * tests/e2e/api.spec.ts checks that its paths are exactly the routes under src/routes/api/v1.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const uuid: Schema = { type: 'string', format: 'uuid' };
const dateTime: Schema = { type: 'string', format: 'date-time' };
const courseRole: Schema = { type: 'string', enum: ['learner', 'assistant', 'instructor'] };

const jsonBody = (schema: Schema, description?: string) => ({
	required: true,
	...(description ? { description } : {}),
	content: { 'application/json': { schema } }
});

const ok = (schema: Schema, description = 'OK') => ({
	description,
	content: { 'application/json': { schema } }
});
const listOf = (item: string) => ({
	type: 'object',
	required: ['items'],
	properties: { items: { type: 'array', items: ref(item) } }
});
const noContent = { description: 'Done; no body.' };

const errors = (
	...statuses: Array<'400' | '401' | '403' | '404' | '409' | '413' | '415' | '429'>
) =>
	Object.fromEntries(
		statuses.map((status) => [status, { $ref: `#/components/responses/${status}` }])
	);

const pathId = (name: string, description: string) => ({
	name,
	in: 'path',
	required: true,
	description,
	schema: uuid
});
const organisationId = pathId('id', 'The organisation id.');
const courseId = pathId('id', 'The course id.');
const userId = pathId('userId', 'The user id.');

const organisationWrite = {
	type: 'object',
	properties: {
		name: { type: 'string', maxLength: 200 },
		slug: { type: 'string', maxLength: 64, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' },
		description: { type: 'string', maxLength: 5000 }
	}
};

const courseWrite = {
	type: 'object',
	properties: {
		code: { type: 'string', maxLength: 50 },
		name: { type: 'string', maxLength: 200 },
		description: { type: 'string', maxLength: 5000 }
	}
};

export const openApiDocument = {
	openapi: '3.1.0',
	info: {
		title: 'Tessera API',
		version: '1.0.0',
		description:
			'Organisations, courses and enrolments for scripts and external systems. Authenticate with a personal ' +
			'access token (`Authorization: Bearer tsr_…`) or a session cookie from `POST /sessions`. Something ' +
			'missing and something you may not see give the same 404. Request bodies are limited to 2 MB.'
	},
	servers: [{ url: '/api/v1' }],
	security: [{ bearerAuth: [] }, { sessionCookie: [] }],
	tags: [
		{ name: 'session' },
		{ name: 'organisations' },
		{ name: 'courses' },
		{ name: 'enrolments' },
		{ name: 'tokens' }
	],
	paths: {
		'/me': {
			get: {
				tags: ['session'],
				operationId: 'getMe',
				summary: 'The caller',
				responses: { '200': ok(ref('Me')), ...errors('401') }
			}
		},
		'/sessions': {
			post: {
				tags: ['session'],
				operationId: 'signIn',
				summary: 'Sign in with email and password; sets the session cookie',
				description:
					'Throttled per account and per address: too many failures give 429 with Retry-After.',
				security: [],
				requestBody: jsonBody({
					type: 'object',
					required: ['email', 'password'],
					properties: { email: { type: 'string', format: 'email' }, password: { type: 'string' } }
				}),
				responses: {
					'201': {
						description: 'Signed in; the session cookie is set.',
						headers: { 'Set-Cookie': { schema: { type: 'string' } } },
						content: {
							'application/json': {
								schema: {
									type: 'object',
									required: ['user', 'expiresAt'],
									properties: { user: ref('User'), expiresAt: dateTime }
								}
							}
						}
					},
					...errors('400', '401', '415', '429')
				}
			}
		},
		'/sessions/current': {
			delete: {
				tags: ['session'],
				operationId: 'signOut',
				summary: 'Sign out: end the session of the cookie sent',
				security: [{ sessionCookie: [] }],
				responses: { '204': noContent, ...errors('400', '401') }
			}
		},
		'/organisations': {
			get: {
				tags: ['organisations'],
				operationId: 'listOrganisations',
				summary: 'Organisations the caller can see',
				responses: { '200': ok(listOf('Organisation')), ...errors('401') }
			},
			post: {
				tags: ['organisations'],
				operationId: 'createOrganisation',
				summary: 'Create an organisation (platform admins)',
				requestBody: jsonBody({ ...organisationWrite, required: ['name', 'slug'] }),
				responses: {
					'201': ok(ref('Organisation'), 'Created'),
					...errors('400', '401', '404', '409', '415')
				}
			}
		},
		'/organisations/{id}': {
			parameters: [organisationId],
			get: {
				tags: ['organisations'],
				operationId: 'getOrganisation',
				responses: { '200': ok(ref('Organisation')), ...errors('401', '404') }
			},
			patch: {
				tags: ['organisations'],
				operationId: 'updateOrganisation',
				summary: 'Change some of name, slug, description (organisation admins)',
				requestBody: jsonBody(organisationWrite, 'Fields left out keep their values.'),
				responses: { '200': ok(ref('Organisation')), ...errors('400', '401', '404', '409', '415') }
			}
		},
		'/organisations/{id}/members': {
			parameters: [organisationId],
			get: {
				tags: ['organisations'],
				operationId: 'listOrganisationMembers',
				responses: { '200': ok(listOf('OrganisationMember')), ...errors('401', '404') }
			},
			post: {
				tags: ['organisations'],
				operationId: 'addOrganisationMember',
				summary: 'Add a person by email, or change the role of a member',
				description: 'Only platform admins make organisation admins.',
				requestBody: jsonBody({
					type: 'object',
					required: ['email'],
					properties: {
						email: { type: 'string', format: 'email' },
						role: { type: 'string', enum: ['admin', 'member'], default: 'member' }
					}
				}),
				responses: { '200': ok(ref('OrganisationMember')), ...errors('400', '401', '404', '415') }
			}
		},
		'/organisations/{id}/members/{userId}': {
			parameters: [organisationId, userId],
			delete: {
				tags: ['organisations'],
				operationId: 'removeOrganisationMember',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/organisations/{id}/courses': {
			parameters: [organisationId],
			get: {
				tags: ['courses'],
				operationId: 'listOrganisationCourses',
				summary: 'Courses of the organisation the caller can see',
				responses: { '200': ok(listOf('Course')), ...errors('401', '404') }
			},
			post: {
				tags: ['courses'],
				operationId: 'createCourse',
				summary: 'Create a course (organisation admins)',
				requestBody: jsonBody({ ...courseWrite, required: ['code', 'name'] }),
				responses: {
					'201': ok(ref('Course'), 'Created'),
					...errors('400', '401', '404', '409', '415')
				}
			}
		},
		'/courses': {
			get: {
				tags: ['courses'],
				operationId: 'listMyCourses',
				summary: 'The courses the caller is enrolled in',
				responses: { '200': ok(listOf('Course')), ...errors('401') }
			}
		},
		'/courses/{id}': {
			parameters: [courseId],
			get: {
				tags: ['courses'],
				operationId: 'getCourse',
				responses: { '200': ok(ref('Course')), ...errors('401', '404') }
			},
			patch: {
				tags: ['courses'],
				operationId: 'updateCourse',
				summary: 'Change some of code, name, description (course managers)',
				requestBody: jsonBody(courseWrite, 'Fields left out keep their values.'),
				responses: { '200': ok(ref('Course')), ...errors('400', '401', '404', '409', '415') }
			},
			delete: {
				tags: ['courses'],
				operationId: 'deleteCourse',
				summary: 'Delete a course and its enrolments (organisation admins)',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/courses/{id}/enrolments': {
			parameters: [courseId],
			get: {
				tags: ['enrolments'],
				operationId: 'listEnrolments',
				parameters: [
					{
						name: 'search',
						in: 'query',
						description: 'Part of a name or email.',
						schema: { type: 'string', maxLength: 200 }
					},
					{ name: 'role', in: 'query', schema: courseRole },
					{
						name: 'status',
						in: 'query',
						schema: { type: 'string', enum: ['active', 'suspended'] }
					},
					{ name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
					{
						name: 'pageSize',
						in: 'query',
						schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 }
					}
				],
				responses: { '200': ok(ref('EnrolmentPage')), ...errors('400', '401', '404') }
			},
			post: {
				tags: ['enrolments'],
				operationId: 'enrol',
				summary: 'Enrol people by user id, or by email with a per-row report',
				description:
					'With `emails`, every address gets a row in the report (enrol, update, unchanged or error); rows with ' +
					'errors are skipped, the rest applied in one transaction. `dryRun: true` returns the report without applying.',
				requestBody: jsonBody({
					oneOf: [
						{
							type: 'object',
							required: ['userIds'],
							properties: {
								userIds: { type: 'array', items: uuid, minItems: 1, maxItems: 5000 },
								role: { ...courseRole, default: 'learner' }
							}
						},
						{
							type: 'object',
							required: ['emails'],
							properties: {
								emails: {
									oneOf: [
										{ type: 'array', items: { type: 'string' }, maxItems: 5000 },
										{
											type: 'string',
											description: 'Addresses separated by commas, semicolons, spaces or new lines.'
										}
									]
								},
								role: { ...courseRole, default: 'learner' },
								dryRun: { type: 'boolean', default: false }
							}
						}
					]
				}),
				responses: {
					'200': {
						description: 'A count for `userIds`, the per-row report for `emails`.',
						content: {
							'application/json': {
								schema: {
									oneOf: [
										{
											type: 'object',
											required: ['enrolled'],
											properties: { enrolled: { type: 'integer' } }
										},
										ref('EnrolReport')
									]
								}
							}
						}
					},
					...errors('400', '401', '404', '413', '415')
				}
			}
		},
		'/courses/{id}/enrolments/csv': {
			parameters: [courseId],
			post: {
				tags: ['enrolments'],
				operationId: 'enrolCsv',
				summary: 'Enrol from a CSV of email[,role] rows (a header row is recognised)',
				parameters: [
					{
						name: 'dryRun',
						in: 'query',
						description: 'true: report only, enrol nobody.',
						schema: { type: 'string', enum: ['true', 'false'], default: 'false' }
					},
					{
						name: 'role',
						in: 'query',
						description: 'The role of rows without one.',
						schema: { ...courseRole, default: 'learner' }
					}
				],
				requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
				responses: { '200': ok(ref('EnrolReport')), ...errors('400', '401', '404', '413', '415') }
			}
		},
		'/courses/{id}/enrolments/{userId}': {
			parameters: [courseId, userId],
			patch: {
				tags: ['enrolments'],
				operationId: 'updateEnrolment',
				requestBody: jsonBody({
					type: 'object',
					properties: {
						role: courseRole,
						status: { type: 'string', enum: ['active', 'suspended'] }
					}
				}),
				responses: {
					'200': ok({
						type: 'object',
						required: ['userId', 'role', 'status'],
						properties: {
							userId: uuid,
							role: courseRole,
							status: { type: 'string', enum: ['active', 'suspended'] }
						}
					}),
					...errors('400', '401', '404', '415')
				}
			},
			delete: {
				tags: ['enrolments'],
				operationId: 'unenrol',
				responses: { '204': noContent, ...errors('401', '404') }
			}
		},
		'/tokens': {
			get: {
				tags: ['tokens'],
				operationId: 'listTokens',
				summary: "The caller's personal access tokens (session only)",
				security: [{ sessionCookie: [] }],
				responses: { '200': ok(listOf('ApiToken')), ...errors('401', '403') }
			},
			post: {
				tags: ['tokens'],
				operationId: 'createToken',
				summary: 'Create a personal access token (session only); the secret is shown once',
				security: [{ sessionCookie: [] }],
				requestBody: jsonBody({
					type: 'object',
					required: ['name'],
					properties: {
						name: { type: 'string', maxLength: 100 },
						expiresInDays: { type: 'integer', minimum: 1, maximum: 365 }
					}
				}),
				responses: {
					'201': ok(
						{
							type: 'object',
							required: ['id', 'name', 'secret'],
							properties: {
								id: uuid,
								name: { type: 'string' },
								secret: { type: 'string', pattern: '^tsr_' }
							}
						},
						'Created'
					),
					...errors('400', '401', '403', '415')
				}
			}
		},
		'/tokens/{id}': {
			parameters: [pathId('id', 'The token id.')],
			delete: {
				tags: ['tokens'],
				operationId: 'revokeToken',
				summary: 'Revoke a token (session only)',
				security: [{ sessionCookie: [] }],
				responses: { '204': noContent, ...errors('401', '403', '404') }
			}
		},
		'/openapi.json': {
			get: {
				tags: ['session'],
				operationId: 'getOpenApi',
				summary: 'This document',
				security: [],
				responses: { '200': ok({ type: 'object' }) }
			}
		}
	},
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
		responses: {
			'400': {
				description: 'The input is not valid; `issues` lists each problem by field.',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'401': {
				description: 'No valid token or session, or wrong credentials.',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'403': {
				description: 'This needs a session, not a token.',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'404': {
				description: 'Not found, or you do not have access.',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'409': {
				description: 'Conflicts with existing data (a slug or code is taken).',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'413': {
				description: 'The body is over 2 MB, or the list is over 5,000 rows.',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'415': {
				description: 'The body has the wrong Content-Type.',
				content: { 'application/json': { schema: ref('Error') } }
			},
			'429': {
				description: 'Too many attempts.',
				headers: {
					'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } }
				},
				content: { 'application/json': { schema: ref('Error') } }
			}
		},
		schemas: {
			Error: {
				type: 'object',
				required: ['error'],
				properties: {
					error: {
						type: 'object',
						required: ['code', 'message', 'issues'],
						properties: {
							code: { type: 'string', examples: ['not_found', 'invalid_input', 'unauthenticated'] },
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
			},
			User: {
				type: 'object',
				required: ['id', 'email', 'displayName', 'platformRole'],
				properties: {
					id: uuid,
					email: { type: 'string' },
					displayName: { type: 'string' },
					platformRole: { type: 'string', enum: ['admin', 'user'] }
				}
			},
			Me: {
				allOf: [
					ref('User'),
					{
						type: 'object',
						properties: { authenticatedWith: { type: 'string', enum: ['session', 'token'] } }
					}
				]
			},
			Organisation: {
				type: 'object',
				properties: {
					id: uuid,
					name: { type: 'string' },
					slug: { type: 'string' },
					description: { type: 'string' },
					createdAt: dateTime,
					courseCount: { type: 'integer' },
					memberCount: { type: 'integer' },
					myRole: { type: ['string', 'null'], enum: ['admin', 'member', null] }
				}
			},
			OrganisationMember: {
				type: 'object',
				properties: {
					userId: uuid,
					email: { type: 'string' },
					displayName: { type: 'string' },
					role: { type: 'string', enum: ['admin', 'member'] },
					addedAt: dateTime
				}
			},
			Course: {
				type: 'object',
				properties: {
					id: uuid,
					organisationId: uuid,
					organisationName: { type: 'string' },
					organisationSlug: { type: 'string' },
					code: { type: 'string' },
					name: { type: 'string' },
					description: { type: 'string' },
					createdAt: dateTime,
					participantCount: { type: 'integer' },
					myRole: { type: ['string', 'null'], enum: ['learner', 'assistant', 'instructor', null] },
					canManage: { type: 'boolean' }
				}
			},
			Enrolment: {
				type: 'object',
				properties: {
					userId: uuid,
					displayName: { type: 'string' },
					email: { type: 'string' },
					role: courseRole,
					status: { type: 'string', enum: ['active', 'suspended'] },
					source: { type: 'string' },
					enrolledAt: dateTime
				}
			},
			EnrolmentPage: {
				type: 'object',
				required: ['items', 'total', 'page', 'pageSize', 'pageCount'],
				properties: {
					items: { type: 'array', items: ref('Enrolment') },
					total: { type: 'integer' },
					page: { type: 'integer' },
					pageSize: { type: 'integer' },
					pageCount: { type: 'integer' }
				}
			},
			EnrolReport: {
				type: 'object',
				required: ['rows', 'counts', 'applied'],
				properties: {
					rows: {
						type: 'array',
						items: {
							type: 'object',
							properties: {
								line: { type: 'integer' },
								email: { type: 'string' },
								displayName: { type: ['string', 'null'] },
								role: { type: 'string' },
								status: { type: 'string', enum: ['enrol', 'update', 'unchanged', 'error'] },
								message: { type: 'string' }
							}
						}
					},
					counts: {
						type: 'object',
						properties: {
							enrol: { type: 'integer' },
							update: { type: 'integer' },
							unchanged: { type: 'integer' },
							error: { type: 'integer' }
						}
					},
					applied: { type: 'boolean', description: 'false for a dry run.' }
				}
			},
			ApiToken: {
				type: 'object',
				properties: {
					id: uuid,
					name: { type: 'string' },
					createdAt: dateTime,
					lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
					expiresAt: { type: ['string', 'null'], format: 'date-time' },
					revokedAt: { type: ['string', 'null'], format: 'date-time' }
				}
			}
		}
	}
} as const;
