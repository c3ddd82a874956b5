/** Groupings of a course: reading them, and the verbs that build them. */
import { requireAccess } from '$lib/server/access';
import { readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/course-groups';
import { retryDeadlock, translate } from './refusals';

export type AutoLeader = schemas.AutoLeader;

/** A grouping of a course, with its sign-up settings and the groups the viewer may see in it. */
export type Grouping = {
	id: string;
	courseId: string;
	name: string;
	idnumber: string | null;
	description: string;
	/** A learner is in at most one of its groups (enforced by the database). */
	exclusive: boolean;
	signup: {
		open: boolean;
		/** Places per group for self sign-up (leaders included); null: the group's own limit. */
		sizeLimit: number | null;
		opensAt: Date | null;
		closesAt: Date | null;
		autoLeader: AutoLeader;
	};
	groups: { id: string; name: string; memberCount: number }[];
	createdAt: Date;
	updatedAt: Date;
};

const groupingColumns = (tx: Tx) => tx`
	gr.id, gr.course_id as "courseId", gr.name, gr.idnumber, gr.description, gr.exclusive,
	json_build_object(
		'open', gr.signup_open, 'sizeLimit', gr.signup_size_limit, 'opensAt', gr.signup_opens_at,
		'closesAt', gr.signup_closes_at, 'autoLeader', gr.auto_leader) as signup,
	coalesce((
		select json_agg(json_build_object('id', g.id, 'name', g.name, 'memberCount', (
			select count(*)::int from public.current_memberships m where m.group_id = g.id
		)) order by g.name collate public.natural, g.id)
		from public.grouping_groups gg join public.groups g on g.id = gg.group_id
		where gg.grouping_id = gr.id
	), '[]'::json) as groups,
	gr.created_at as "createdAt", gr.updated_at as "updatedAt"`;

type RawGrouping = Omit<Grouping, 'signup'> & {
	signup: Omit<Grouping['signup'], 'opensAt' | 'closesAt'> & {
		opensAt: string | null;
		closesAt: string | null;
	};
};

function toGrouping(row: RawGrouping): Grouping {
	return {
		...row,
		signup: {
			...row.signup,
			opensAt: row.signup.opensAt ? new Date(row.signup.opensAt) : null,
			closesAt: row.signup.closesAt ? new Date(row.signup.closesAt) : null
		}
	};
}

/** The course of a grouping the viewer can see, after checking they may manage that course. */
export async function manageGrouping(tx: Tx, groupingId: string): Promise<string> {
	if (!isUuid(groupingId)) throw notFound();
	const [row] = await tx<{ courseId: string }[]>`
		select course_id as "courseId" from public.groupings where id = ${groupingId}`;
	if (!row) throw notFound();
	await requireAccess(tx, 'course.manage', row.courseId);
	return row.courseId;
}

export async function readGrouping(tx: Tx, groupingId: string): Promise<Grouping> {
	const [row] = await tx<RawGrouping[]>`
		select ${groupingColumns(tx)} from public.groupings gr where gr.id = ${groupingId}`;
	if (!row) throw notFound();
	return toGrouping(row);
}

/** The course's groupings, by name, each with the groups the viewer may see in it. */
export function listGroupings(actor: Actor, courseId: string): Promise<Grouping[]> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.view', courseId);
		const rows = await tx<RawGrouping[]>`
			select ${groupingColumns(tx)} from public.groupings gr
			where gr.course_id = ${courseId} order by gr.name collate public.natural, gr.id`;
		return rows.map(toGrouping);
	});
}

/** One grouping the viewer can see (course participants see their courses' groupings). */
export function getGrouping(actor: Actor, groupingId: string): Promise<Grouping> {
	if (!isUuid(groupingId)) throw notFound();
	return readAs(actor, (tx) => readGrouping(tx, groupingId));
}

/** Creates a grouping (course managers). */
export async function createGrouping(
	actor: Actor,
	courseId: string,
	input: unknown,
	via: Via = 'app'
): Promise<Grouping> {
	const data = parse(schemas.groupingCreate, input);
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'course.manage', courseId);
				const id = crypto.randomUUID();
				await tx`
					insert into public.groupings (id, course_id, name, idnumber, description, exclusive, created_by)
					values (${id}, ${courseId}, ${data.name}, ${data.idnumber}, ${data.description}, ${data.exclusive},
					        ${actor?.id ?? null})`;
				return readGrouping(tx, id);
			},
			via
		);
	} catch (error) {
		translate(error, data.idnumber);
	}
}

/** Renames a grouping or changes its idnumber, description or exclusivity. */
export async function updateGrouping(
	actor: Actor,
	groupingId: string,
	patch: unknown,
	via: Via = 'app'
): Promise<Grouping> {
	const data = parse(schemas.groupingUpdate, patch);
	const columns: Record<string, unknown> = {};
	for (const key of ['name', 'idnumber', 'description', 'exclusive'] as const) {
		if (data[key] !== undefined) columns[key] = data[key];
	}
	try {
		return await retryDeadlock(() =>
			withUser(
				actor,
				async (tx) => {
					await manageGrouping(tx, groupingId);
					if (Object.keys(columns).length > 0) {
						await tx`update public.groupings set ${tx(columns)} where id = ${groupingId}`;
					}
					return readGrouping(tx, groupingId);
				},
				via
			)
		);
	} catch (error) {
		translate(error, data.idnumber);
	}
}

/**
 * Puts course groups in a grouping. An exclusive grouping refuses groups that would put someone
 * in two of its groups, naming them; nothing changes then.
 */
export async function addToGrouping(
	actor: Actor,
	groupingId: string,
	groupIds: unknown,
	via: Via = 'app'
): Promise<{ added: number }> {
	const ids = [...new Set(parse(schemas.groupIds, groupIds))];
	try {
		return await retryDeadlock(() =>
			withUser(
				actor,
				async (tx) => {
					const courseId = await manageGrouping(tx, groupingId);
					const groups = await tx<{ id: string }[]>`
					select id from public.groups where id = any(${ids}::uuid[]) and course_id = ${courseId}`;
					if (groups.length !== ids.length) {
						throw new DomainError(
							400,
							'other_course',
							'A grouping can only hold groups of its own course.'
						);
					}
					const rows = await tx`
					insert into public.grouping_groups (grouping_id, group_id)
					select ${groupingId}, unnest(${ids}::uuid[])
					on conflict do nothing returning group_id`;
					return { added: rows.length };
				},
				via
			)
		);
	} catch (error) {
		translate(error);
	}
}

/** Takes groups out of a grouping; the groups stay in the course. */
export async function removeFromGrouping(
	actor: Actor,
	groupingId: string,
	groupIds: unknown,
	via: Via = 'app'
): Promise<{ removed: number }> {
	const ids = [...new Set(parse(schemas.groupIds, groupIds))];
	return withUser(
		actor,
		async (tx) => {
			await manageGrouping(tx, groupingId);
			const rows = await tx`
				delete from public.grouping_groups
				where grouping_id = ${groupingId} and group_id = any(${ids}::uuid[]) returning group_id`;
			return { removed: rows.length };
		},
		via
	);
}
