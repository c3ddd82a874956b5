import * as v from 'valibot';
import type { RequestEvent } from '@sveltejs/kit';
import type { Session } from '$lib/server/auth/session';
import { DomainError, invalid, notFound } from '$lib/server/errors';
import { parse } from '$lib/server/validate';
import { courseRole, uuid, type CourseRole } from '$lib/schemas/common';
import { groupRoles } from '$lib/schemas/groups';
import { groupIds, groupMode } from '$lib/schemas/course-groups';
import { learnerEventKinds } from '$lib/schemas/progress';
import { idList as announcementIds } from '$lib/server/announcements';
import { idList as interventionIds } from '$lib/server/learner-groups/interventions';
import { enrolUsersInput } from '$lib/server/enrolments';
import { readJson } from './respond';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id. Anything that is not a uuid is as missing as an id nobody has, so both give the same 404. */
export function uuidParam(event: RequestEvent, name: string): string {
	const value = (event.params as Record<string, string | undefined>)[name];
	if (!value || !UUID.test(value)) throw notFound();
	return value.toLowerCase();
}

/**
 * Personal access tokens are managed from a signed-in session only: a leaked token must not be
 * able to mint fresh tokens that outlive its own revocation.
 */
export function requireSession(event: RequestEvent): Session {
	const session = event.locals.session;
	if (!session) {
		throw new DomainError(
			403,
			'session_required',
			'Manage personal access tokens while signed in with a session, not with a token.'
		);
	}
	return session;
}

/** A PATCH body laid over the current values, so the domain's full-object schema sees every field. */
export function mergePatch<T extends Record<string, unknown>>(
	current: T,
	body: unknown
): Record<string, unknown> {
	if (typeof body !== 'object' || body === null || Array.isArray(body)) {
		throw invalid('Send a JSON object with the fields to change.');
	}
	return { ...current, ...body };
}

/** POST /courses/{id}/enrolments: user ids, or emails (an array or one pasted string). */
export const enrolmentCreate = v.strictObject({
	userIds: v.optional(enrolUsersInput.entries.userIds),
	emails: v.optional(
		v.union(
			[
				v.string(),
				v.pipe(v.array(v.string()), v.maxLength(5000, 'Enrol at most 5,000 people at a time.'))
			],
			'Send emails as an array of addresses or as one string separated by commas.'
		)
	),
	role: v.optional(courseRole, 'learner'),
	dryRun: v.optional(v.boolean('dryRun must be true or false.'), false)
});

export type EnrolmentRequest =
	| { kind: 'users'; input: { userIds: unknown; role: CourseRole } }
	| { kind: 'list'; input: { emails: string; role: CourseRole }; dryRun: boolean }
	| { kind: 'array'; candidates: { line: number; email: string; role: string }[]; dryRun: boolean };

/** POST /courses/{id}/enrolments takes either user ids or emails (an array or one pasted string). */
export function parseEnrolmentRequest(body: unknown): EnrolmentRequest {
	const data = parse(enrolmentCreate, body);
	if ((data.userIds === undefined) === (data.emails === undefined)) {
		throw invalid('Send either userIds or emails, not both.', [
			{ path: 'userIds', message: 'Send either userIds or emails.' }
		]);
	}
	if (data.userIds !== undefined) {
		if (data.dryRun) {
			throw invalid('A dry run is available when enrolling by emails.', [
				{ path: 'dryRun', message: 'Use dryRun with emails.' }
			]);
		}
		return { kind: 'users', input: { userIds: data.userIds, role: data.role } };
	}
	if (typeof data.emails === 'string') {
		return { kind: 'list', input: { emails: data.emails, role: data.role }, dryRun: data.dryRun };
	}
	// Array entries are reported row by row, so a malformed one is an error row, never silently dropped.
	const candidates = (data.emails ?? []).map((email, index) => ({
		line: index + 1,
		email,
		role: data.role
	}));
	return { kind: 'array', candidates, dryRun: data.dryRun };
}

const dryRunParam = v.optional(
	v.picklist(['true', 'false'], 'dryRun must be true or false.'),
	'false'
);

export const csvQuery = v.object({
	dryRun: dryRunParam,
	role: v.optional(courseRole, 'learner')
});

function requireCsv(event: RequestEvent) {
	const type = event.request.headers.get('content-type') ?? '';
	if (!type.includes('text/csv')) {
		throw new DomainError(
			415,
			'unsupported_media_type',
			'Send the file as CSV (Content-Type: text/csv).'
		);
	}
}

/** The text/csv body of a CSV enrolment and its query (dryRun, default role). */
export async function readCsv(event: RequestEvent) {
	requireCsv(event);
	const query = parse(csvQuery, Object.fromEntries(event.url.searchParams));
	return {
		text: await event.request.text(),
		dryRun: query.dryRun === 'true',
		defaultRole: query.role
	};
}

export const csvImportQuery = v.object({ dryRun: dryRunParam });

/** The text/csv body of a group or membership import and its `?dryRun=`. */
export async function readCsvImport(event: RequestEvent) {
	requireCsv(event);
	const query = parse(csvImportQuery, Object.fromEntries(event.url.searchParams));
	return { text: await event.request.text(), dryRun: query.dryRun === 'true' };
}

/** A CSV download: the browser saves it, a script reads it as text. */
export function csvAttachment(text: string, filename: string): Response {
	return new Response(text, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${filename.replace(/[^a-z0-9._-]/gi, '-')}"`
		}
	});
}

/** The query of a request as a plain object, validated by `schema`. */
export function parseQuery<TSchema extends v.GenericSchema>(
	event: RequestEvent,
	schema: TSchema
): v.InferOutput<TSchema> {
	return parse(schema, Object.fromEntries(event.url.searchParams));
}

/** Bodies that may be left out entirely (join requests): no body is `{}`, anything else must be JSON. */
export async function readOptionalJson(event: RequestEvent): Promise<unknown> {
	const length = event.request.headers.get('content-length');
	const hasBody = event.request.headers.has('content-type') || (length !== null && length !== '0');
	return hasBody ? readJson(event) : {};
}

const count = (name: string) =>
	v.pipe(
		v.string(`Send ${name} from the delete preview.`),
		v.regex(/^\d{1,9}$/, `${name} must be a whole number.`),
		v.transform(Number)
	);

export const deleteExpectationQuery = v.object({
	expectSubgroups: count('expectSubgroups'),
	expectMemberships: count('expectMemberships')
});

/**
 * DELETE /groups/{id} repeats what GET …/delete-preview showed, so a script never deletes a
 * subtree that has grown since it looked.
 */
export function parseDeleteExpectation(event: RequestEvent) {
	const query = parseQuery(event, deleteExpectationQuery);
	return { subgroups: query.expectSubgroups, memberships: query.expectMemberships };
}

const uuidList = (what: string) =>
	v.pipe(
		v.array(uuid, `Send ${what} as an array of ids.`),
		v.minLength(1, `Send at least one id in ${what}.`),
		v.maxLength(5000, `Send at most 5,000 ids in ${what}.`)
	);

export const messagingBody = v.strictObject({
	groupIds: uuidList('groupIds'),
	enabled: v.boolean('enabled must be true or false.')
});

export const redeemBody = v.strictObject({
	token: v.pipe(
		v.string('Send the invitation token.'),
		v.trim(),
		v.nonEmpty('Send the invitation token.'),
		v.maxLength(200, 'That is not an invitation token.')
	)
});

export const membersQuery = v.object({
	search: v.optional(
		v.pipe(v.string(), v.maxLength(200, 'Search with at most 200 characters.')),
		''
	),
	role: v.optional(v.picklist(['', ...groupRoles], 'The role must be member or leader.'), ''),
	only: v.optional(
		v.picklist(['all', 'direct', 'subgroups'], 'only must be all, direct or subgroups.'),
		'all'
	)
});

export const searchQuery = v.object({
	search: v.optional(
		v.pipe(v.string(), v.maxLength(200, 'Search with at most 200 characters.')),
		''
	)
});

// Bodies of routes that parse them themselves (a route module may export only its handlers).

export const learnerEventBody = v.strictObject({
	kind: v.picklist(learnerEventKinds, 'The kind is course_view or post.')
});

export const groupModeBody = v.strictObject({
	groupMode,
	/** Every activity takes the course's mode (left as it was when absent). */
	forceGroupMode: v.optional(v.boolean('forceGroupMode is true or false.'))
});

export const groupIdsBody = v.strictObject({ groupIds });

export const announcementsSeenBody = v.strictObject({ ids: announcementIds });

export const interventionsSeenBody = v.strictObject({ ids: interventionIds });

export const autoGroupsQuery = v.object({ dryRun: dryRunParam });

export const movePreviewQuery = v.object({
	parentId: v.optional(v.union([uuid, v.literal('')], 'That is not a valid group id.'))
});

export const completionsQuery = v.object({
	groupId: v.optional(v.union([uuid, v.literal('')], 'That is not a valid group id.'))
});

export const overviewQuery = v.object({
	groupingId: v.optional(v.string()),
	groupId: v.optional(v.string()),
	format: v.optional(v.picklist(['json', 'csv'], 'format must be json or csv.'), 'json')
});
