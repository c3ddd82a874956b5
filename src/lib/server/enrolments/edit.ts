import * as v from 'valibot';
import { requireAccess } from '$lib/server/access';
import { withUser, type Actor, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import { courseRole, enrolmentStatus, uuid, type CourseRole } from '$lib/schemas/common';

type EnrolmentStatus = 'active' | 'suspended';

export const enrolmentUpdate = v.strictObject({
	role: v.optional(courseRole),
	status: v.optional(enrolmentStatus)
});

/** At most one page of the participants list's largest size, and then some. */
export const MAX_ENROLMENT_CHANGES = 500;

/** Several participants' role or status, saved together: all of them or none. */
export const enrolmentChanges = v.strictObject({
	changes: v.pipe(
		v.array(
			v.pipe(
				v.strictObject({
					userId: uuid,
					role: v.optional(courseRole),
					status: v.optional(enrolmentStatus)
				}),
				v.check(
					(change) => change.role !== undefined || change.status !== undefined,
					'Each change names a role, a status or both.'
				)
			)
		),
		v.minLength(1, 'There are no changes to save.'),
		v.maxLength(
			MAX_ENROLMENT_CHANGES,
			`Save at most ${MAX_ENROLMENT_CHANGES.toLocaleString('en')} changes at a time.`
		)
	)
});

export type EnrolmentChangesResult = {
	/** The enrolments that changed, as they are now. */
	updated: { userId: string; role: CourseRole; status: EnrolmentStatus }[];
	/** Changes that asked for what the enrolment already was. */
	unchanged: number;
};

export async function updateEnrolment(
	actor: Actor,
	courseId: string,
	userId: string,
	input: unknown,
	via: Via = 'app'
) {
	const data = parse(enrolmentUpdate, input);
	if (!isUuid(userId)) throw notFound();
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'course.manage', courseId);
			const [row] = await tx<{ userId: string; role: CourseRole; status: EnrolmentStatus }[]>`
				update public.enrolments
				set role = coalesce(${data.role ?? null}, role), status = coalesce(${data.status ?? null}, status)
				where course_id = ${courseId} and user_id = ${userId} returning user_id as "userId", role, status`;
			if (!row) throw notFound();
			return row;
		},
		via
	);
}

/**
 * The participants list's one Save: every change is applied in one transaction, or none is. A
 * change that cannot be made (the person is not enrolled, or no longer) is named by its place in
 * `changes` (`changes.N.userId`), and nothing is saved.
 */
export async function updateEnrolments(
	actor: Actor,
	courseId: string,
	input: unknown,
	via: Via = 'app'
): Promise<EnrolmentChangesResult> {
	const { changes } = parse(enrolmentChanges, input);
	const seen = new Map<string, number>();
	const twice = changes.flatMap((change, index) => {
		const first = seen.get(change.userId);
		seen.set(change.userId, first ?? index);
		return first === undefined
			? []
			: [
					{
						path: `changes.${index}.userId`,
						message: `The same person is changed twice (also change ${first + 1}).`
					}
				];
	});
	if (twice.length > 0) throw new DomainError(400, 'invalid_input', twice[0].message, twice);
	if (!isUuid(courseId)) throw notFound();
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'course.manage', courseId);
			const userIds = changes.map((change) => change.userId);
			// Locked, so nobody unenrols them between this check and the update.
			const enrolled = await tx<{ userId: string }[]>`
				select user_id as "userId" from public.enrolments
				where course_id = ${courseId} and user_id = any (${userIds}::uuid[])
				for update`;
			const present = new Set(enrolled.map((row) => row.userId));
			const missing = changes.flatMap((change, index) =>
				present.has(change.userId)
					? []
					: [
							{
								path: `changes.${index}.userId`,
								message: 'Not enrolled in this course (any more): this change cannot be made.'
							}
						]
			);
			if (missing.length > 0) {
				throw new DomainError(
					409,
					'not_enrolled',
					`Nothing was saved: ${missing.length} of the ${changes.length} ${changes.length === 1 ? 'change names someone' : 'changes name people'} not enrolled in this course.`,
					missing
				);
			}
			const updated = await tx<{ userId: string; role: CourseRole; status: EnrolmentStatus }[]>`
				update public.enrolments e
				set role = coalesce(w.role, e.role), status = coalesce(w.status, e.status)
				from unnest(
					${userIds}::uuid[],
					${changes.map((change) => change.role ?? null)}::text[],
					${changes.map((change) => change.status ?? null)}::text[]
				) as w(user_id, role, status)
				where e.course_id = ${courseId} and e.user_id = w.user_id
				  and (e.role, e.status) is distinct from (coalesce(w.role, e.role), coalesce(w.status, e.status))
				returning e.user_id as "userId", e.role, e.status`;
			return { updated, unchanged: changes.length - updated.length };
		},
		via
	);
}

export async function unenrol(actor: Actor, courseId: string, userId: string, via: Via = 'app') {
	if (!isUuid(userId)) throw notFound();
	await withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'course.manage', courseId);
			const rows =
				await tx`delete from public.enrolments where course_id = ${courseId} and user_id = ${userId} returning user_id`;
			if (rows.length === 0) throw notFound();
		},
		via
	);
}
