import { requireAccess } from '$lib/server/access';
import { naturalCompare } from '$lib/natural';
import { isPgError, PG, withUser, type Actor } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/groups';

type Person = { id: string; displayName: string };

export type MovePreview = {
	group: { id: string; name: string };
	from: { id: string; name: string } | null;
	to: { id: string; name: string } | null;
	/** The linked courses whose enrolments the move changes, and how. */
	courses: {
		id: string;
		code: string;
		name: string;
		/** New enrolments, and suspended link enrolments made active again. */
		enrolled: Person[];
		suspended: Person[];
		/** Link enrolments removed (people with nothing done in the course: see the course links sync). */
		unenrolled: Person[];
	}[];
};

class Rehearsed extends Error {}

type EnrolmentRow = {
	courseId: string;
	userId: string;
	status: 'active' | 'suspended';
	displayName: string;
};

/**
 * What moving a group under `parentId` (null: the top level) would do to the courses linked to
 * its old and new ancestors, before it happens. The move itself is rehearsed inside a savepoint
 * that is rolled back, so the answer comes from the very triggers that will do it (one rule, one
 * place), under the caller's own rights: a move they may not make is refused here too.
 */
export async function movePreview(
	actor: Actor,
	groupId: string,
	input: unknown
): Promise<MovePreview> {
	const { parentId } = parse(schemas.groupMove, input);
	try {
		return await withUser(actor, async (tx) => {
			await requireAccess(tx, 'group.manage', parentId ? [groupId, parentId] : groupId);
			const [group] = await tx<{ id: string; name: string; parentId: string | null }[]>`
				select id, name, parent_id as "parentId" from public.groups where id = ${groupId}`;
			if (!group) throw notFound();
			const names = await tx<{ id: string; name: string }[]>`
				select id, name from public.groups
				where id = any (${[group.parentId, parentId].filter((id): id is string => id !== null)}::uuid[])`;
			const nameOf = (id: string | null) =>
				id === null ? null : { id, name: names.find((row) => row.id === id)?.name ?? '' };
			const courses = await tx<{ id: string; code: string; name: string }[]>`
				select co.id, co.code, co.name from public.courses co
				where co.id in (
					select l.course_id from public.course_group_links l
					where l.group_id in (
						select c.ancestor_id from public.group_closure c
						where c.descendant_id = ${groupId} or c.descendant_id = ${parentId}))
				order by co.code collate public.natural, co.id`;
			const courseIds = courses.map((course) => course.id);
			const enrolments = () => tx<EnrolmentRow[]>`
				select e.course_id as "courseId", e.user_id as "userId", e.status, u.display_name as "displayName"
				from public.enrolments e join public.users u on u.id = e.user_id
				where e.course_id = any (${courseIds}::uuid[])`;
			const before = await enrolments();
			let after: EnrolmentRow[] = [];
			await tx`savepoint move_preview`;
			try {
				await tx`update public.groups set parent_id = ${parentId} where id = ${groupId}`;
				after = await enrolments();
				throw new Rehearsed();
			} catch (error) {
				await tx`rollback to savepoint move_preview`;
				if (!(error instanceof Rehearsed)) throw error;
			}
			const key = (row: EnrolmentRow) => `${row.courseId}/${row.userId}`;
			const was = new Map(before.map((row) => [key(row), row]));
			const is = new Map(after.map((row) => [key(row), row]));
			const person = (row: EnrolmentRow) => ({ id: row.userId, displayName: row.displayName });
			const byName = (a: Person, b: Person) =>
				naturalCompare(a.displayName, b.displayName) || (a.id < b.id ? -1 : 1);
			return {
				group: { id: group.id, name: group.name },
				from: nameOf(group.parentId),
				to: nameOf(parentId),
				courses: courses
					.map((course) => {
						const inCourse = (rows: EnrolmentRow[]) =>
							rows.filter((row) => row.courseId === course.id);
						return {
							...course,
							enrolled: inCourse(after)
								.filter((row) => row.status === 'active' && was.get(key(row))?.status !== 'active')
								.map(person)
								.sort(byName),
							suspended: inCourse(after)
								.filter(
									(row) => row.status === 'suspended' && was.get(key(row))?.status === 'active'
								)
								.map(person)
								.sort(byName),
							unenrolled: inCourse(before)
								.filter((row) => !is.has(key(row)))
								.map(person)
								.sort(byName)
						};
					})
					.filter(
						(course) =>
							course.enrolled.length + course.suspended.length + course.unenrolled.length > 0
					)
			};
		});
	} catch (error) {
		if (isPgError(error, PG.checkViolation) && !error.constraint_name) {
			throw new DomainError(409, 'invalid_move', error.message);
		}
		if (isPgError(error, PG.insufficientPrivilege) || isPgError(error, PG.foreignKeyViolation)) {
			throw notFound();
		}
		throw error;
	}
}
