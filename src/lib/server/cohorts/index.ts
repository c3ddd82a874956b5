import { requireAccess } from '$lib/server/access';
import { asService, isPgError, PG, readAs, withUser, type Actor, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/groups';

export type CourseLink = {
	id: string;
	courseId: string;
	groupId: string;
	groupName: string;
	courseRole: 'learner' | 'assistant' | 'instructor';
	targetGroupId: string | null;
	targetGroupName: string | null;
	removalPolicy: 'suspend' | 'unenrol';
	enrolled: number;
	createdAt: Date;
};

export function listForCourse(actor: Actor, courseId: string): Promise<CourseLink[]> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.view', courseId);
		return tx<CourseLink[]>`
			select l.id, l.course_id as "courseId", l.group_id as "groupId",
			       coalesce(g.name, 'A group you cannot see') as "groupName",
			       l.course_role as "courseRole", l.target_group_id as "targetGroupId", t.name as "targetGroupName",
			       l.removal_policy as "removalPolicy", l.created_at as "createdAt",
			       (select count(*)::int from public.course_link_members lm where lm.link_id = l.id) as enrolled
			from public.course_group_links l
			left join public.groups g on g.id = l.group_id
			left join public.groups t on t.id = l.target_group_id
			where l.course_id = ${courseId}
			order by l.created_at`;
	});
}

/** One link, through the course it belongs to: a link of a course the caller cannot see is not found. */
export function get(actor: Actor, linkId: string): Promise<CourseLink> {
	return readAs(actor, async (tx) => {
		const [found] = await tx<CourseLink[]>`
			select l.id, l.course_id as "courseId", l.group_id as "groupId",
			       coalesce(g.name, 'A group you cannot see') as "groupName",
			       l.course_role as "courseRole", l.target_group_id as "targetGroupId", t.name as "targetGroupName",
			       l.removal_policy as "removalPolicy", l.created_at as "createdAt",
			       (select count(*)::int from public.course_link_members lm where lm.link_id = l.id) as enrolled
			from public.course_group_links l
			left join public.groups g on g.id = l.group_id
			left join public.groups t on t.id = l.target_group_id
			where l.id = ${linkId}`;
		if (!found) throw notFound();
		await requireAccess(tx, 'course.view', found.courseId);
		return found;
	});
}

/**
 * Links a group (sub-groups included) to a course: its members are enrolled at once, set-based,
 * and kept in step from then on. With target 'new', a course group "<group> cohort" is made.
 */
export async function link(
	actor: Actor,
	courseId: string,
	input: unknown,
	via: Via = 'app'
): Promise<CourseLink> {
	const data = parse(schemas.courseLinkCreate, input);
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'course.manage', courseId);
				await requireAccess(tx, 'group.view', data.groupId);
				const [group] = await tx<
					{
						name: string;
						scope: string;
						organisation_id: string | null;
						course_id: string | null;
					}[]
				>`
					select name, scope, organisation_id, course_id from public.groups where id = ${data.groupId}`;
				const [course] = await tx<
					{ organisation_id: string }[]
				>`select organisation_id from public.courses where id = ${courseId}`;
				if (group.scope === 'course' && group.course_id === courseId) {
					throw new DomainError(
						400,
						'invalid_input',
						'A group of this course is already in it: link a cohort from the organisation or platform.'
					);
				}
				if (group.scope !== 'platform' && group.organisation_id !== course.organisation_id) {
					throw new DomainError(
						400,
						'invalid_input',
						'Only groups of the course’s own organisation, or platform groups, can be linked.'
					);
				}
				let targetGroupId: string | null = null;
				if (data.target === 'new') {
					targetGroupId = crypto.randomUUID();
					await tx`
						insert into public.groups (id, scope, organisation_id, course_id, kind, name, membership_mode, created_by)
						values (${targetGroupId}, 'course', ${course.organisation_id}, ${courseId}, 'cohort',
						        ${`${group.name} cohort`.slice(0, 200)}, 'sync', ${actor?.id ?? null})`;
				} else if (data.target) {
					const [target] = await tx<
						{ course_id: string | null }[]
					>`select course_id from public.groups where id = ${data.target}`;
					if (!target || target.course_id !== courseId) {
						throw new DomainError(400, 'invalid_input', 'Place members in a group of this course.');
					}
					targetGroupId = data.target;
				}
				const id = crypto.randomUUID();
				await tx`
					insert into public.course_group_links (id, course_id, group_id, course_role, target_group_id, removal_policy, created_by)
					values (${id}, ${courseId}, ${data.groupId}, ${data.courseRole}, ${targetGroupId}, ${data.removalPolicy}, ${actor?.id ?? null})`;
				const [created] = await tx<CourseLink[]>`
					select l.id, l.course_id as "courseId", l.group_id as "groupId", g.name as "groupName",
					       l.course_role as "courseRole", l.target_group_id as "targetGroupId", t.name as "targetGroupName",
					       l.removal_policy as "removalPolicy", l.created_at as "createdAt",
					       (select count(*)::int from public.course_link_members lm where lm.link_id = l.id) as enrolled
					from public.course_group_links l join public.groups g on g.id = l.group_id
					left join public.groups t on t.id = l.target_group_id
					where l.id = ${id}`;
				return created;
			},
			via
		);
	} catch (error) {
		if (isPgError(error, PG.uniqueViolation)) {
			throw new DomainError(409, 'already_linked', 'This group is already linked to this course.');
		}
		if (isPgError(error, PG.insufficientPrivilege)) throw notFound();
		throw error;
	}
}

export async function update(actor: Actor, linkId: string, input: unknown, via: Via = 'app') {
	const data = parse(schemas.courseLinkUpdate, input);
	await withUser(
		actor,
		async (tx) => {
			const rows = await tx`
				update public.course_group_links
				set course_role = coalesce(${data.courseRole ?? null}, course_role),
				    removal_policy = coalesce(${data.removalPolicy ?? null}, removal_policy)
				where id = ${linkId} returning id`;
			if (rows.length === 0) throw notFound();
		},
		via
	);
}

/** Unlinks: only enrolments that came from this link follow its removal policy. */
export async function unlink(actor: Actor, linkId: string, via: Via = 'app') {
	if (!isUuid(linkId)) throw notFound();
	await withUser(
		actor,
		async (tx) => {
			const rows =
				await tx`delete from public.course_group_links where id = ${linkId} returning id`;
			if (rows.length === 0) throw notFound();
		},
		via
	);
}

/** Applies memberships that started or ended by the clock; run every few seconds by the app. */
export function syncDueMemberships(): Promise<number> {
	return asService(async (tx) => {
		const [{ changed }] = await tx<
			{ changed: number }[]
		>`select private.sync_due_memberships() as changed`;
		return changed;
	});
}

/** Re-syncs every link of a course in full (a repair; normal changes sync as they happen). */
export function resyncCourse(courseId: string) {
	return asService(
		(tx) => tx`
			select private.sync_course_links(array(select id from public.course_group_links where course_id = ${courseId}), null)`
	);
}
