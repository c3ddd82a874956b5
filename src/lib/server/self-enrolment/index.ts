/**
 * Course self-enrolment with a key (issue 13): staff turn it on per course with a key, dates and
 * the role people get; a course group may have a key of its own, and whoever enrols with it lands
 * in that group. Keys follow the password policy and are readable by the course's managers only
 * (supabase/schemas/15_self_enrolment.sql); wrong keys are throttled per person and address.
 */
import { requireAccess } from '$lib/server/access';
import { passwordWeakness } from '$lib/server/auth/password';
import {
	recordFailuresFor,
	secondsUntilAllowedFor,
	type ThrottleRule
} from '$lib/server/auth/throttle';
import {
	asService,
	isPgError,
	PG,
	readAs,
	withUser,
	type Actor,
	type Tx,
	type Via
} from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/self-enrolment';

export type SelfEnrolmentSettings = {
	courseId: string;
	enabled: boolean;
	/** The course's key (course managers only read this). */
	key: string | null;
	opensAt: Date | null;
	closesAt: Date | null;
	defaultRole: 'learner' | 'assistant';
	/** The course's groups, each with its key or null. */
	groups: { id: string; name: string; key: string | null }[];
};

export type OpenCourse = {
	courseId: string;
	code: string;
	name: string;
	organisationName: string;
	closesAt: Date | null;
};

export type EnrolResult = {
	courseId: string;
	role: 'learner' | 'assistant' | 'instructor';
	group: { id: string; name: string; full: boolean } | null;
	message: string;
};

/** Five wrong keys per person cost nothing; then each waits longer, up to 15 minutes. */
const RULES = {
	person: { free: 5, firstDelay: 30, maxDelay: 15 * 60, quiet: 60 * 60 },
	address: { free: 30, firstDelay: 15 * 60, maxDelay: 15 * 60, quiet: 15 * 60 }
} as const;

function rulesFor(userId: string, ip: string): ThrottleRule[] {
	return [
		{ key: `enrol-key:user:${userId}`, ...RULES.person },
		{ key: `enrol-key:ip:${ip}`, ...RULES.address }
	];
}

function checkKey(key: string | null, path: string) {
	if (key === null) return;
	const weakness = passwordWeakness(key);
	if (weakness) {
		const message = `The key is too weak: ${weakness.replace('password', 'key')}`;
		throw new DomainError(400, 'weak_key', message, [{ path, message }]);
	}
}

function translate(error: unknown, path = 'key'): never {
	if (
		isPgError(error, PG.uniqueViolation) &&
		error.constraint_name === 'course_enrolment_keys_course_id_key_key'
	) {
		const message =
			'Another key of this course (the course’s or a group’s) is the same. Choose another.';
		throw new DomainError(409, 'key_taken', message, [{ path, message }]);
	}
	if (
		isPgError(error, PG.checkViolation) &&
		error.constraint_name?.startsWith('course_self_enrolment')
	) {
		throw new DomainError(400, 'invalid_input', 'Self-enrolment must close after it opens.');
	}
	if (isPgError(error, PG.insufficientPrivilege)) throw notFound();
	throw error;
}

/** A course's self-enrolment settings with its keys and its groups' keys (course managers). */
export function getSettings(actor: Actor, courseId: string): Promise<SelfEnrolmentSettings> {
	if (!isUuid(courseId)) throw notFound();
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.manage', courseId);
		const [settings] = await tx<Omit<SelfEnrolmentSettings, 'courseId' | 'key' | 'groups'>[]>`
			select enabled, opens_at as "opensAt", closes_at as "closesAt", default_role as "defaultRole"
			from public.course_self_enrolment where course_id = ${courseId}`;
		const keys = await tx<{ groupId: string | null; key: string }[]>`
			select group_id as "groupId", key from public.course_enrolment_keys where course_id = ${courseId}`;
		const groups = await tx<{ id: string; name: string }[]>`
			select id, name from public.groups where course_id = ${courseId}
			order by lower(name), id`;
		const keyOf = new Map(keys.map((row) => [row.groupId, row.key]));
		return {
			courseId,
			enabled: settings?.enabled ?? false,
			key: keyOf.get(null) ?? null,
			opensAt: settings?.opensAt ?? null,
			closesAt: settings?.closesAt ?? null,
			defaultRole: settings?.defaultRole ?? 'learner',
			groups: groups.map((group) => ({ ...group, key: keyOf.get(group.id) ?? null }))
		};
	});
}

/** Turns self-enrolment on or off and sets its key, dates and role (course managers). */
export async function updateSettings(
	actor: Actor,
	courseId: string,
	input: unknown,
	via: Via = 'app'
): Promise<SelfEnrolmentSettings> {
	if (!isUuid(courseId)) throw notFound();
	const data = parse(schemas.selfEnrolmentSettings, input);
	checkKey(data.key, 'key');
	try {
		await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'course.manage', courseId);
				await tx`
					insert into public.course_self_enrolment (course_id, enabled, opens_at, closes_at, default_role, updated_by)
					values (${courseId}, ${data.enabled}, ${data.opensAt}, ${data.closesAt}, ${data.defaultRole}, ${actor?.id ?? null})
					on conflict (course_id) do update set
						enabled = excluded.enabled, opens_at = excluded.opens_at, closes_at = excluded.closes_at,
						default_role = excluded.default_role, updated_by = excluded.updated_by`;
				await setKey(tx, actor, courseId, null, data.key);
			},
			via
		);
	} catch (error) {
		if (error instanceof DomainError) throw error;
		translate(error);
	}
	return getSettings(actor, courseId);
}

async function setKey(
	tx: Tx,
	actor: Actor,
	courseId: string,
	groupId: string | null,
	key: string | null
) {
	const match = groupId === null ? tx`group_id is null` : tx`group_id = ${groupId}`;
	if (key === null) {
		await tx`delete from public.course_enrolment_keys where course_id = ${courseId} and ${match}`;
		return;
	}
	const [updated] = await tx`
		update public.course_enrolment_keys set key = ${key}
		where course_id = ${courseId} and ${match} returning id`;
	if (!updated) {
		await tx`
			insert into public.course_enrolment_keys (course_id, group_id, key, created_by)
			values (${courseId}, ${groupId}, ${key}, ${actor?.id ?? null})`;
	}
}

/** Sets or removes a course group's enrolment key (course managers). */
export async function setGroupKey(
	actor: Actor,
	groupId: string,
	input: unknown,
	via: Via = 'app'
): Promise<{ groupId: string; key: string | null }> {
	if (!isUuid(groupId)) throw notFound();
	const { key } = parse(schemas.groupEnrolmentKey, input);
	checkKey(key, 'key');
	try {
		return await withUser(
			actor,
			async (tx) => {
				const [group] = await tx<{ courseId: string | null }[]>`
					select course_id as "courseId" from public.groups where id = ${groupId}`;
				if (!group?.courseId) throw notFound();
				await requireAccess(tx, 'course.manage', group.courseId);
				await setKey(tx, actor, group.courseId, groupId, key);
				return { groupId, key };
			},
			via
		);
	} catch (error) {
		if (error instanceof DomainError) throw error;
		translate(error);
	}
}

/** Courses the person may enrol themselves in now (never a key). */
export function openCourses(actor: NonNullable<Actor>): Promise<OpenCourse[]> {
	return readAs(
		actor,
		(tx) => tx<OpenCourse[]>`
			select course_id as "courseId", code, name, organisation_name as "organisationName",
			       closes_at as "closesAt"
			from private.self_enrolment_courses()`
	);
}

const CLOSED = 'Self-enrolment in this course is not open to you. Ask its teachers.';

/**
 * Enrols the person in a course with its key, or with a group's key (then into that group too).
 * A wrong key counts against the person and their address; after five, each try waits longer.
 */
export async function enrol(
	actor: NonNullable<Actor>,
	input: unknown,
	{ ip, via = 'app' }: { ip: string; via?: Via }
): Promise<EnrolResult> {
	const data = parse(schemas.selfEnrol, input);
	const rules = rulesFor(actor.id, ip);
	const wait = await asService((tx) =>
		secondsUntilAllowedFor(
			tx,
			rules.map((rule) => rule.key)
		)
	);
	if (wait > 0) {
		throw new DomainError(
			429,
			'too_many_attempts',
			`Too many wrong keys. Try again in ${wait} seconds.`,
			[],
			wait
		);
	}
	const [row] = await withUser(
		actor,
		(tx) =>
			tx<
				{
					outcome: 'closed' | 'wrong_key' | 'already' | 'enrolled';
					enrolled_role: EnrolResult['role'] | null;
					group_id: string | null;
					group_name: string | null;
					group_full: boolean;
				}[]
			>`select * from private.self_enrol(${data.courseId}, ${data.key})`,
		via
	);
	if (row.outcome === 'wrong_key') {
		await asService((tx) => recordFailuresFor(tx, rules));
		const message = 'That key does not open this course. Check it with your teacher.';
		throw new DomainError(403, 'wrong_key', message, [{ path: 'key', message }]);
	}
	if (row.outcome === 'closed') throw new DomainError(403, 'closed', CLOSED);
	if (row.outcome === 'already') {
		throw new DomainError(409, 'already_enrolled', 'You are already enrolled in this course.');
	}
	const group = row.group_id
		? { id: row.group_id, name: row.group_name ?? '', full: row.group_full }
		: null;
	const message = !group
		? 'You are enrolled.'
		: group.full
			? `You are enrolled, but ${group.name} is full: ask your teacher to place you.`
			: `You are enrolled, in ${group.name}.`;
	return { courseId: data.courseId, role: row.enrolled_role!, group, message };
}
