import { beforeAll, describe, expect, it } from 'vitest';
import { isRedirect, type RequestEvent } from '@sveltejs/kit';
import { compileErrors, validate } from '@readme/openapi-parser';
import { Validator, type Schema } from '@cfworker/json-schema';
import * as v from 'valibot';
import { apiRoutes, buildOpenApiDocument, type ApiRoute } from '$lib/server/api/openapi';
import * as announcements from '$lib/server/announcements';
import * as cohorts from '$lib/server/cohorts';
import * as courseGroups from '$lib/server/course-groups';
import * as groups from '$lib/server/groups';
import * as learnerGroups from '$lib/server/learner-groups';
import * as progress from '$lib/server/progress';
import * as resources from '$lib/server/resources';
import * as organisationsPage from '../../src/routes/(app)/organisations/+page.server';
import * as groupSettingsPage from '../../src/routes/(app)/groups/[id]/settings/+page.server';
import {
	actor,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';

// The OpenAPI document against the routes that serve /api/v1: it is valid OpenAPI 3.1, names
// exactly the handlers that exist, and each JSON body it shows is what the real handler accepts,
// while a field it does not show is refused with a 400 that names it.

type Handler = (event: RequestEvent) => Promise<Response>;
type RouteModule = Record<string, unknown>;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const routeModules = import.meta.glob<RouteModule>('../../src/routes/api/v1/**/+server.ts', {
	eager: true
});

/** `../../src/routes/api/v1/groups/[id]/members/+server.ts` → `/groups/{id}/members`. */
function documentPath(file: string): string {
	const path = file
		.replace(/^.*\/src\/routes\/api\/v1/, '')
		.replace(/\/\+server\.ts$/, '')
		.replace(/\[(\w+)\]/g, '{$1}');
	return path || '/';
}

const served = Object.entries(routeModules).flatMap(([file, module]) =>
	METHODS.filter((method) => typeof module[method] === 'function').map((method) => ({
		key: `${method} ${documentPath(file)}`,
		handler: module[method] as Handler
	}))
);
const handlers = new Map(served.map(({ key, handler }) => [key, handler]));

const document = buildOpenApiDocument();
const documented = Object.entries(document.paths).flatMap(([path, item]) =>
	Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)
);

type Operation = {
	requestBody?: { content: Record<string, { schema: Schema; example?: unknown }> };
};
const operationOf = (route: ApiRoute) =>
	document.paths[route.path][route.method] as unknown as Operation;

const jsonRoutes = apiRoutes.filter((route) => route.body?.kind === 'json');

describe('the OpenAPI document', () => {
	it('is valid OpenAPI 3.1 by a maintained validator', async () => {
		const result = await validate(
			structuredClone(document) as unknown as Parameters<typeof validate>[0]
		);
		expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
		expect(document.openapi).toMatch(/^3\.1\./);
	});

	it('lists every handler under src/routes/api/v1, and nothing else', () => {
		expect(served.length).toBeGreaterThan(100);
		expect([...documented].sort()).toEqual(served.map(({ key }) => key).sort());
	});

	it('shows each JSON body as a closed object, with an example that the schema accepts', () => {
		expect(jsonRoutes.length).toBeGreaterThan(40);
		for (const route of jsonRoutes) {
			if (route.body?.kind !== 'json') continue;
			const label = `${route.method.toUpperCase()} ${route.path}`;
			const media = operationOf(route).requestBody?.content['application/json'];
			expect(media, label).toBeDefined();
			expect(media!.schema.additionalProperties, label).toBe(false);
			expect(media!.example, label).toEqual(route.body.example);
			const checked = new Validator(media!.schema, '2020-12', false).validate(route.body.example);
			expect(checked.errors, label).toEqual([]);
			const parsed = v.safeParse(route.body.schema, route.body.example);
			expect(
				parsed.issues?.map((issue) => issue.message),
				label
			).toBeUndefined();
		}
	});

	it('is what /api/v1/openapi.json serves, to anyone', async () => {
		const response = await handlers.get('GET /openapi.json')!({} as RequestEvent);
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual(JSON.parse(JSON.stringify(document)));
	});
});

let admin: TestUser;
let ids: Record<string, string>;

beforeAll(async () => {
	admin = await createUser({ name: 'Contract Admin', admin: true });
	const learner = await createUser({ name: 'Contract Learner' });
	const org = await createOrganisation();
	const course = await createCourse(org.id);
	await enrol(course.id, learner.id);
	const who = actor(admin);
	const group = await groups.create(who, { name: 'Contract lab', courseId: course.id });
	const cohort = await groups.create(who, { name: 'Contract cohort', organisationId: org.id });
	const link = await cohorts.link(who, course.id, { groupId: cohort.id });
	const grouping = await courseGroups.createGrouping(who, course.id, { name: 'Contract labs' });
	const activity = await progress.createActivity(who, course.id, { title: 'Contract reading' });
	await learnerGroups.updateSettings(who, course.id, { learnerGroupsEnabled: true });
	const learnerGroup = await learnerGroups.create(who, course.id, {
		name: 'Contract inactive',
		criteria: { all: [{ type: 'inactive', days: 7 }] }
	});
	const announcement = await announcements.create(who, group.id, {
		title: 'Contract notice',
		body: 'Read me.'
	});
	const resource = await resources.createLink(who, group.id, {
		title: 'Contract link',
		url: 'https://example.com/contract'
	});
	ids = {
		organisations: org.id,
		courses: course.id,
		groups: group.id,
		groupings: grouping.id,
		groupingId: grouping.id,
		activities: activity.id,
		'learner-groups': learnerGroup.id,
		links: link.id,
		userId: learner.id,
		announcementId: announcement.id,
		resourceId: resource.id
	};
});

/** The path's parameters, filled with the fixtures' ids (`{id}` by the segment before it). */
function paramsFor(path: string): Record<string, string> {
	const segments = path.split('/');
	const params: Record<string, string> = {};
	segments.forEach((segment, index) => {
		const name = /^\{(\w+)\}$/.exec(segment)?.[1];
		if (name) params[name] = name === 'id' ? ids[segments[index - 1]] : ids[name];
	});
	return params;
}

/** Where the domain checks an id in the body beyond its shape, the example's placeholder is swapped for a fixture. */
function withFixtures(route: ApiRoute): Record<string, unknown> {
	if (route.operationId === 'addToGrouping') return { groupIds: [ids.groups] };
	if (route.operationId === 'recordCompletion') return { userId: ids.userId };
	return {};
}

/** Calls a real handler as SvelteKit does, as the platform admin signed in with a session. */
async function call(route: ApiRoute, body: unknown) {
	const handler = handlers.get(`${route.method.toUpperCase()} ${route.path}`);
	if (!handler) throw new Error(`no handler for ${route.method} ${route.path}`);
	const url = new URL(`http://tessera.test/api/v1${route.path}`);
	const request = new Request(url, {
		method: route.method.toUpperCase(),
		headers: { 'content-type': 'application/json', origin: url.origin },
		body: JSON.stringify(body)
	});
	const locals = {
		user: {
			id: admin.id,
			email: admin.email,
			displayName: admin.displayName,
			platformRole: 'admin'
		},
		session: { id: 'contract-test-session' },
		via: 'api'
	};
	const cookies = { set() {}, delete() {}, get: () => undefined };
	const response = await handler({
		locals,
		params: paramsFor(route.path),
		url,
		request,
		cookies,
		getClientAddress: () => '203.0.113.7'
	} as unknown as RequestEvent);
	const text = await response.text();
	return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe('JSON request bodies against the real handlers', () => {
	it.each(jsonRoutes.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route]))(
		'%s refuses an unknown field by name',
		async (_label, route) => {
			if (route.body?.kind !== 'json') return;
			const answer = await call(route, { ...route.body.example, unknownField: true });
			expect(answer.status).toBe(400);
			expect(answer.body.error.message).toBe('Unknown field: unknownField');
			expect(answer.body.error.issues).toContainEqual({
				path: 'unknownField',
				message: 'Unknown field: unknownField'
			});
		}
	);

	it.each(jsonRoutes.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route]))(
		'%s accepts the documented example',
		async (_label, route) => {
			if (route.body?.kind !== 'json') return;
			const answer = await call(route, { ...route.body.example, ...withFixtures(route) });
			// Placeholder ids may name nothing (404) or conflict (409); the body itself is accepted.
			expect([400, 415, 500], JSON.stringify(answer.body)).not.toContain(answer.status);
		}
	);

	it('rejects an ingested statement with an unknown field by name, and still reports the others', async () => {
		const route = apiRoutes.find((r) => r.operationId === 'ingestStatements')!;
		const statement = {
			id: 'contract-1',
			actor: { email: 'nobody@example.com' },
			activity: { idnumber: 'contract-none' },
			verb: 'completed'
		};
		const answer = await call(route, {
			statements: [statement, { ...statement, id: 'contract-2', actor: { mbox: 'x' } }]
		});
		expect(answer.status).toBe(200);
		expect(answer.body.results.map((r: { message?: string }) => r.message)).toEqual([
			expect.not.stringMatching(/Unknown field/),
			'Unknown field: actor.mbox'
		]);
	});

	it('names a nested unknown field by its path', async () => {
		const route = apiRoutes.find((r) => r.operationId === 'previewLearnerGroup')!;
		const answer = await call(route, { all: [{ type: 'inactive', days: 7, weeks: 1 }] });
		expect(answer.status).toBe(400);
		expect(answer.body.error.message).toBe('Unknown field: all.0.weeks');
	});
});

describe('form posts, which carry fields of their own', () => {
	const formEvent = (form: Record<string, string>, params: Record<string, string> = {}) => {
		const data = new FormData();
		for (const [name, value] of Object.entries(form)) data.append(name, value);
		const url = new URL('http://tessera.test/form');
		return {
			locals: {
				user: {
					id: admin.id,
					email: admin.email,
					displayName: admin.displayName,
					platformRole: 'admin'
				},
				via: 'app'
			},
			params,
			url,
			request: new Request(url, { method: 'POST', body: data })
		} as never;
	};

	it('saves group settings posted with a submit button and other extra fields', async () => {
		const result = await groupSettingsPage.actions.update(
			formEvent(
				{
					name: 'Contract lab (renamed)',
					description: 'Posted by a form',
					settings: '1',
					messagingEnabled: 'on',
					submit: 'Save',
					'x-sveltekit-extra': 'ignored'
				},
				{ id: ids.groups }
			)
		);
		expect(result).toEqual({ form: 'settings', success: 'Saved.' });
		const [row] =
			await ownerDb()`select name, description from public.groups where id = ${ids.groups}`;
		expect(row).toEqual({ name: 'Contract lab (renamed)', description: 'Posted by a form' });
	});

	it('creates an organisation from a form post with a submit button', async () => {
		const slug = `contract-${Date.now()}`;
		const outcome = await Promise.resolve()
			.then(() =>
				organisationsPage.actions.create(
					formEvent({ name: 'Contract College', slug, description: '', intent: 'create' })
				)
			)
			.catch((thrown: unknown) => thrown);
		expect(isRedirect(outcome) && outcome.location).toBe(`/organisations/${slug}`);
	});
});
