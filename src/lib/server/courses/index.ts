import { courseCapabilitiesOf, requireAccess, type CourseCapabilities } from '$lib/server/access';
import { isPgError, PG, readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/organisations';
import { groupMode as groupModeSchema, type GroupMode } from '$lib/schemas/course-groups';

export type Course = {
	id: string;
	organisationId: string;
	organisationName: string;
	organisationSlug: string;
	code: string;
	name: string;
	description: string;
	createdAt: Date;
	participantCount: number;
	myRole: 'learner' | 'assistant' | 'instructor' | null;
	canManage: boolean;
	/** none, separate (learners see only their groups' people) or visible (see all, act in own). */
	groupMode: GroupMode;
	/** Whether every activity takes the course's group mode (its own is then ignored). */
	forceGroupMode: boolean;
};

const courseColumns = (tx: Tx) => tx`
	c.id, c.organisation_id as "organisationId", o.name as "organisationName", o.slug as "organisationSlug",
	c.code, c.name, c.description, c.created_at as "createdAt", c.group_mode as "groupMode",
	c.force_group_mode as "forceGroupMode",
	(select count(*)::int from public.enrolments e where e.course_id = c.id and e.status = 'active') as "participantCount",
	(select e.role from public.enrolments e where e.course_id = c.id and e.user_id = (select auth.uid())) as "myRole",
	c.id = any((select public.may_manage_courses(array[c.id]))::uuid[]) as "canManage"`;

/** The courses of an organisation the user may see, or all their own courses without one. */
export function list(actor: Actor, organisationId?: string): Promise<Course[]> {
	return readAs(
		actor,
		(tx) => tx<Course[]>`
			select ${courseColumns(tx)}
			from public.courses c join public.organisations o on o.id = c.organisation_id
			where ${organisationId ? tx`c.organisation_id = ${organisationId}` : tx`c.id in (select course_id from public.enrolments where user_id = (select auth.uid()))`}
			order by c.code collate public.natural, c.id`
	);
}

/** What the actor may do with the course (manage it, act as its staff): the page's flags. */
export function capabilities(actor: Actor, courseId: string): Promise<CourseCapabilities> {
	if (!isUuid(courseId)) return Promise.resolve({ canManage: false, canStaff: false });
	return readAs(actor, (tx) => courseCapabilitiesOf(tx, courseId));
}

export async function get(actor: Actor, courseId: string): Promise<Course> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.view', courseId);
		const [course] = await tx<Course[]>`
			select ${courseColumns(tx)}
			from public.courses c join public.organisations o on o.id = c.organisation_id
			where c.id = ${courseId}`;
		if (!course) throw notFound();
		return course;
	});
}

export async function create(
	actor: Actor,
	organisationId: string,
	input: unknown,
	via: Via = 'app'
) {
	const data = parse(schemas.courseCreate, input);
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'organisation.manage', organisationId);
				const [row] = await tx<{ id: string }[]>`
					insert into public.courses (organisation_id, code, name, description, created_by)
					values (${organisationId}, ${data.code}, ${data.name}, ${data.description}, ${actor?.id ?? null})
					returning id`;
				return row;
			},
			via
		);
	} catch (error) {
		if (isPgError(error, PG.uniqueViolation)) {
			throw new DomainError(
				409,
				'code_taken',
				`This organisation already has a course ${data.code}.`,
				[{ path: 'code', message: 'This code is taken in this organisation.' }]
			);
		}
		throw error;
	}
}

export async function update(actor: Actor, courseId: string, input: unknown, via: Via = 'app') {
	const data = parse(schemas.courseCreate, input);
	try {
		await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'course.manage', courseId);
				await tx`
					update public.courses set code = ${data.code}, name = ${data.name}, description = ${data.description}
					where id = ${courseId}`;
			},
			via
		);
	} catch (error) {
		if (isPgError(error, PG.uniqueViolation)) {
			throw new DomainError(
				409,
				'code_taken',
				`This organisation already has a course ${data.code}.`
			);
		}
		throw error;
	}
}

export async function remove(actor: Actor, courseId: string, via: Via = 'app') {
	if (!isUuid(courseId)) throw notFound();
	await withUser(
		actor,
		async (tx) => {
			const rows = await tx`delete from public.courses where id = ${courseId} returning id`;
			if (rows.length === 0) throw notFound();
		},
		via
	);
}

/**
 * Sets the course's group mode and, when `force` is given, whether it is forced on every
 * activity (course managers); recorded in the audit log.
 */
export async function setGroupMode(
	actor: Actor,
	courseId: string,
	mode: unknown,
	via: Via = 'app',
	force?: boolean
): Promise<{ groupMode: GroupMode; forceGroupMode: boolean }> {
	const groupMode = parse(groupModeSchema, mode);
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'course.manage', courseId);
			const [row] = await tx<{ forceGroupMode: boolean }[]>`
				update public.courses set group_mode = ${groupMode},
					force_group_mode = ${force === undefined ? tx`force_group_mode` : force}
				where id = ${courseId} returning force_group_mode as "forceGroupMode"`;
			if (!row) throw notFound();
			return { groupMode, forceGroupMode: row.forceGroupMode };
		},
		via
	);
}
