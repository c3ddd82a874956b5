import { groupCapabilitiesOf, requireAccess } from '$lib/server/access';
import { naturalCompare } from '$lib/natural';
import { isPgError, PG, readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/groups';

export { movePreview, type MovePreview } from './moves';

/** Compares two lineages (ancestor names and ids from the root, as the tree query joins them). */
function compareLineage(a: string, b: string): number {
	const left = a.split('\u0002');
	const right = b.split('\u0002');
	for (let i = 0; i < Math.min(left.length, right.length); i++) {
		const [leftName, leftId] = left[i].split('\u0001');
		const [rightName, rightId] = right[i].split('\u0001');
		const order =
			naturalCompare(leftName, rightName) || (leftId < rightId ? -1 : leftId > rightId ? 1 : 0);
		if (order !== 0) return order;
	}
	return left.length - right.length;
}

export type Visibility = (typeof schemas.visibilities)[number];
export type MembershipMode = (typeof schemas.membershipModes)[number];

export type Group = {
	id: string;
	scope: 'platform' | 'organisation' | 'course';
	organisationId: string | null;
	courseId: string | null;
	parentId: string | null;
	kind: string;
	name: string;
	idnumber: string | null;
	description: string;
	visibility: Visibility;
	membershipMode: MembershipMode;
	sizeLimit: number | null;
	messagingEnabled: boolean;
	leadersManageMembers: boolean;
	leadersCreateSubgroups: boolean;
	leadersPostAnnouncements: boolean;
	leadersSeeProgress: boolean;
	leadersModerate: boolean;
	createdAt: Date;
	updatedAt: Date;
};

/** A group in a tree listing, with what the viewer may do with it. */
export type TreeNode = Group & {
	depth: number;
	directMembers: number;
	effectiveMembers: number;
	childCount: number;
	canManage: boolean;
	isMember: boolean;
	isLeader: boolean;
};

export type GroupDetail = TreeNode & {
	/** Ancestors the viewer can see, root first. */
	path: { id: string; name: string }[];
	canManageMembers: boolean;
	canCreateSubgroups: boolean;
};

export const groupColumns = (tx: Tx) => tx`
	g.id, g.scope, g.organisation_id as "organisationId", g.course_id as "courseId",
	g.parent_id as "parentId", g.kind, g.name, g.idnumber, g.description, g.visibility,
	g.membership_mode as "membershipMode", g.size_limit as "sizeLimit",
	g.messaging_enabled as "messagingEnabled", g.leaders_manage_members as "leadersManageMembers",
	g.leaders_create_subgroups as "leadersCreateSubgroups",
	g.leaders_post_announcements as "leadersPostAnnouncements",
	g.leaders_see_progress as "leadersSeeProgress", g.leaders_moderate as "leadersModerate",
	g.created_at as "createdAt", g.updated_at as "updatedAt"`;

/** Viewer-relative counts; they only include members the viewer may see (RLS applies). */
const countColumns = (tx: Tx) => tx`
	(select count(*)::int from public.current_memberships m where m.group_id = g.id) as "directMembers",
	(select count(distinct m.user_id)::int from public.effective_members m where m.group_id = g.id) as "effectiveMembers",
	(select count(*)::int from public.groups child where child.parent_id = g.id) as "childCount"`;

function translateWriteError(error: unknown, idnumber?: string | null): never {
	if (isPgError(error, PG.uniqueViolation)) {
		throw new DomainError(
			409,
			'idnumber_taken',
			`The idnumber "${idnumber}" is already used in this scope.`,
			[{ path: 'idnumber', message: 'This idnumber is already used in this scope.' }]
		);
	}
	if (isPgError(error, PG.checkViolation) && !error.constraint_name) {
		throw new DomainError(409, 'invalid_move', error.message);
	}
	if (isPgError(error, PG.insufficientPrivilege)) throw notFound();
	if (isPgError(error, PG.foreignKeyViolation)) throw notFound();
	throw error;
}

export async function create(actor: Actor, input: unknown, via: Via = 'app'): Promise<Group> {
	const data = parse(schemas.groupCreate, input);
	let scope = data.scope;
	let organisationId = data.organisationId ?? null;
	const courseId = data.courseId ?? null;
	if (!data.parentId) {
		scope ??= courseId ? 'course' : organisationId ? 'organisation' : 'platform';
		if (scope === 'organisation' && !organisationId) {
			throw new DomainError(400, 'invalid_input', 'Choose the organisation.');
		}
		if (scope === 'course' && !courseId) {
			throw new DomainError(400, 'invalid_input', 'Choose the course.');
		}
	}
	try {
		return await withUser(
			actor,
			async (tx) => {
				if (data.parentId) {
					// Scope comes from the parent (the trigger copies it); the parent must be visible.
					const [parent] = await tx<
						{ scope: Group['scope']; organisation_id: string | null; course_id: string | null }[]
					>`
						select scope, organisation_id, course_id from public.groups where id = ${data.parentId}`;
					if (!parent) throw notFound();
					return insertGroup(
						tx,
						actor,
						data,
						parent.scope,
						parent.organisation_id,
						parent.course_id
					);
				}
				if (scope === 'course') {
					const [course] = await tx<{ organisation_id: string }[]>`
						select organisation_id from public.courses where id = ${courseId}`;
					if (!course) throw notFound();
					organisationId = course.organisation_id;
				}
				return insertGroup(
					tx,
					actor,
					data,
					scope!,
					scope === 'platform' ? null : organisationId,
					scope === 'course' ? courseId : null
				);
			},
			via
		);
	} catch (error) {
		translateWriteError(error, data.idnumber);
	}
}

async function insertGroup(
	tx: Tx,
	actor: Actor,
	data: schemas.GroupCreate,
	scope: Group['scope'],
	organisationId: string | null,
	courseId: string | null
): Promise<Group> {
	// RETURNING would need the new row to pass the select policy inside the same statement,
	// before the hierarchy trigger has written its closure rows; read it back instead.
	const id = crypto.randomUUID();
	await tx`
		insert into public.groups (
			id, scope, organisation_id, course_id, parent_id, kind, name, idnumber, description, visibility,
			membership_mode, size_limit, messaging_enabled, leaders_manage_members, leaders_create_subgroups,
			leaders_post_announcements, leaders_see_progress, leaders_moderate, created_by)
		values (
			${id}, ${scope}, ${organisationId}, ${courseId}, ${data.parentId ?? null}, ${data.kind}, ${data.name},
			${data.idnumber}, ${data.description}, ${data.visibility}, ${data.membershipMode}, ${data.sizeLimit},
			${data.messagingEnabled}, ${data.leadersManageMembers}, ${data.leadersCreateSubgroups},
			${data.leadersPostAnnouncements}, ${data.leadersSeeProgress}, ${data.leadersModerate}, ${actor?.id ?? null})`;
	const [group] = await tx<
		Group[]
	>`select ${groupColumns(tx)} from public.groups g where g.id = ${id}`;
	return group;
}

export async function get(actor: Actor, groupId: string): Promise<GroupDetail> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'group.view', groupId);
		const [group] = await tx<Omit<TreeNode, 'canManage' | 'isMember' | 'isLeader'>[]>`
			select ${groupColumns(tx)}, ${countColumns(tx)},
			       (select max(depth)::int from public.group_closure where descendant_id = g.id) as depth
			from public.groups g where g.id = ${groupId}`;
		if (!group) throw notFound();
		const path = await tx<{ id: string; name: string }[]>`
			select a.id, a.name from public.group_closure c join public.groups a on a.id = c.ancestor_id
			where c.descendant_id = ${groupId} and c.depth > 0
			order by c.depth desc`;
		const can = await groupCapabilitiesOf(tx, groupId);
		return {
			...group,
			path,
			canManage: can.canManage,
			isMember: can.isMember,
			isLeader: can.isLeader,
			canManageMembers: can.canManageMembers,
			canCreateSubgroups: can.canCreateSubgroups
		};
	});
}

export type TreeScope = { organisationId: string } | { courseId: string } | { platform: true };

/**
 * Every group of a scope the viewer may see, in tree order (parents before children, siblings
 * by name). A group whose parent is hidden from the viewer appears at the top level.
 */
export function tree(
	actor: Actor,
	where: TreeScope,
	{ search = '' }: { search?: string } = {}
): Promise<TreeNode[]> {
	return readAs(actor, async (tx) => {
		const filter =
			'organisationId' in where
				? tx`g.scope = 'organisation' and g.organisation_id = ${where.organisationId}`
				: 'courseId' in where
					? tx`g.scope = 'course' and g.course_id = ${where.courseId}`
					: tx`g.scope = 'platform'`;
		// Set-based: each count is one grouped pass over the scope, not a subquery per group.
		const rows = await tx<(TreeNode & { sortPath: string })[]>`
			with scoped as (
				select g.id from public.groups g where ${filter}
			), direct as (
				select group_id, count(*)::int as n from public.current_memberships
				where group_id in (select id from scoped) group by group_id
			), effective as (
				select group_id, count(distinct user_id)::int as n from public.effective_members
				where group_id in (select id from scoped) group by group_id
			), children as (
				select parent_id, count(*)::int as n from public.groups
				where parent_id in (select id from scoped) group by parent_id
			), lineage as (
				select c.descendant_id as id, max(c.depth)::int as depth,
				       string_agg(lower(a.name) || chr(1) || a.id::text, chr(2) order by c.depth desc) as sort_path
				from public.group_closure c join public.groups a on a.id = c.ancestor_id
				where c.descendant_id in (select id from scoped) group by c.descendant_id
			)
			select ${groupColumns(tx)},
			       coalesce(direct.n, 0) as "directMembers", coalesce(effective.n, 0) as "effectiveMembers",
			       coalesce(children.n, 0) as "childCount",
			       can.can_manage as "canManage", can.is_member as "isMember", can.is_leader as "isLeader",
			       lineage.depth, lineage.sort_path as "sortPath"
			from public.groups g
			join scoped on scoped.id = g.id
			join lineage on lineage.id = g.id
			left join direct on direct.group_id = g.id
			left join effective on effective.group_id = g.id
			join public.group_capabilities(array(select id from scoped)) can on can.group_id = g.id
			left join children on children.parent_id = g.id
			order by lineage.sort_path`;
		// Each group after its parent, siblings in natural order ("Tutorial 2" before "Tutorial 10").
		rows.sort((x, y) => compareLineage(x.sortPath, y.sortPath));
		const visible = new Set(rows.map((row) => row.id));
		let nodes = rows.map(({ sortPath: _sortPath, ...node }) => ({
			...node,
			parentId: node.parentId && visible.has(node.parentId) ? node.parentId : null
		}));
		if (search.trim()) {
			const needle = search.trim().toLowerCase();
			const matches = new Set(
				nodes
					.filter(
						(node) =>
							node.name.toLowerCase().includes(needle) || node.idnumber?.toLowerCase() === needle
					)
					.map((n) => n.id)
			);
			// Keep the ancestors of every match so the tree still reads as a tree.
			const byId = new Map(nodes.map((node) => [node.id, node]));
			for (const id of [...matches]) {
				let parent = byId.get(id)?.parentId;
				while (parent && !matches.has(parent)) {
					matches.add(parent);
					parent = byId.get(parent)?.parentId;
				}
			}
			nodes = nodes.filter((node) => matches.has(node.id));
		}
		return nodes;
	});
}

export async function update(
	actor: Actor,
	groupId: string,
	input: unknown,
	via: Via = 'app'
): Promise<Group> {
	const data = parse(schemas.groupUpdate, input);
	const columns: Record<string, unknown> = {};
	const names: Record<string, string> = {
		kind: 'kind',
		name: 'name',
		idnumber: 'idnumber',
		description: 'description',
		visibility: 'visibility',
		membershipMode: 'membership_mode',
		sizeLimit: 'size_limit',
		messagingEnabled: 'messaging_enabled',
		leadersManageMembers: 'leaders_manage_members',
		leadersCreateSubgroups: 'leaders_create_subgroups',
		leadersPostAnnouncements: 'leaders_post_announcements',
		leadersSeeProgress: 'leaders_see_progress',
		leadersModerate: 'leaders_moderate'
	};
	for (const [key, value] of Object.entries(data)) {
		if (value !== undefined && names[key]) columns[names[key]] = value;
	}
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'group.manage', groupId);
				if (Object.keys(columns).length === 0) {
					const [group] = await tx<
						Group[]
					>`select ${groupColumns(tx)} from public.groups g where g.id = ${groupId}`;
					return group;
				}
				// postgres.js picks the helper by the nearest keyword, so no table alias here.
				await tx`update public.groups set ${tx(columns)} where id = ${groupId}`;
				const [group] = await tx<
					Group[]
				>`select ${groupColumns(tx)} from public.groups g where g.id = ${groupId}`;
				if (!group) throw notFound();
				return group;
			},
			via
		);
	} catch (error) {
		translateWriteError(error, data.idnumber);
	}
}

/** Turns messaging on or off for many groups at once. */
export async function setMessaging(
	actor: Actor,
	groupIds: string[],
	enabled: boolean,
	via: Via = 'app'
) {
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'group.manage', groupIds);
			const rows = await tx`
				update public.groups set messaging_enabled = ${enabled}
				where id = any(${groupIds}::uuid[]) and messaging_enabled <> ${enabled} returning id`;
			return { changed: rows.length };
		},
		via
	);
}

/** Moves a group (and its subtree) under another group of the same scope, or to the top. */
export async function move(actor: Actor, groupId: string, input: unknown, via: Via = 'app') {
	const { parentId } = parse(schemas.groupMove, input);
	try {
		await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'group.manage', parentId ? [groupId, parentId] : groupId);
				await tx`update public.groups set parent_id = ${parentId} where id = ${groupId}`;
			},
			via
		);
	} catch (error) {
		translateWriteError(error);
	}
}

export type DeletePreview = {
	group: { id: string; name: string };
	subgroups: { id: string; name: string; depth: number }[];
	memberships: number;
	people: number;
	courseLinks: number;
};

/** What deleting a group takes with it, so the confirmation can say so. */
export async function deletePreview(actor: Actor, groupId: string): Promise<DeletePreview> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'group.manage', groupId);
		const subtree = await tx<{ id: string; name: string; depth: number }[]>`
			select g.id, g.name, c.depth from public.group_closure c join public.groups g on g.id = c.descendant_id
			where c.ancestor_id = ${groupId} order by c.depth, g.name collate public.natural`;
		const ids = subtree.map((row) => row.id);
		const [{ memberships, people, courseLinks }] = await tx<
			{ memberships: number; people: number; courseLinks: number }[]
		>`
			select count(*)::int as memberships, count(distinct user_id)::int as people,
			       (select count(*)::int from public.course_group_links
			        where group_id = any(${ids}::uuid[])) as "courseLinks"
			from public.group_members where group_id = any(${ids}::uuid[])`;
		const [root, ...subgroups] = subtree;
		return { group: { id: root.id, name: root.name }, subgroups, memberships, people, courseLinks };
	});
}

/**
 * Deletes a group with its sub-groups and memberships. `expect` is what the confirmation showed:
 * when the subtree has changed since, nothing is deleted and the caller is told to look again.
 */
export async function remove(
	actor: Actor,
	groupId: string,
	expect: { subgroups: number; memberships: number },
	via: Via = 'app'
) {
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'group.manage', groupId);
			const [{ subgroups, memberships }] = await tx<{ subgroups: number; memberships: number }[]>`
				select count(*)::int - 1 as subgroups,
				       (select count(*)::int from public.group_members m
				        where m.group_id in (select descendant_id from public.group_closure where ancestor_id = ${groupId})) as memberships
				from public.group_closure where ancestor_id = ${groupId}`;
			if (subgroups !== expect.subgroups || memberships !== expect.memberships) {
				throw new DomainError(
					409,
					'changed',
					`The group changed since you looked: it now has ${subgroups} sub-groups and ${memberships} memberships. Review and confirm again.`
				);
			}
			await tx`delete from public.groups where id = ${groupId}`;
			return { deletedGroups: subgroups + 1, deletedMemberships: memberships };
		},
		via
	);
}

/**
 * "Is U an effective member of G": U's current groups (a handful), then one probe of the closure
 * per group. The groups go in as an array so the plan cannot turn into a walk of G's whole
 * subtree, which a prepared (generic) plan otherwise picks for a group with many descendants
 * (benchmarked as hier-member and hier-member-root).
 */
export function isEffectiveMemberSql(tx: Tx, userId: string, groupId: string) {
	return tx<{ member: boolean }[]>`
		select exists (
			select 1 from public.group_closure c
			where c.ancestor_id = ${groupId}
			  and c.descendant_id = any (array(
			    select m.group_id from public.current_memberships m where m.user_id = ${userId}))
		) as member`;
}

export type MyGroup = {
	id: string;
	name: string;
	kind: string;
	scope: Group['scope'];
	role: 'member' | 'leader';
	/** Where the group lives: the organisation's name or the course's code. */
	placeName: string | null;
	memberCount: number;
};

/** The groups the viewer is directly in (valid now) or leads, leaders' groups first. */
export function mine(actor: NonNullable<Actor>): Promise<MyGroup[]> {
	return readAs(
		actor,
		(tx) => tx<MyGroup[]>`
			select g.id, g.name, g.kind, g.scope, m.role,
			       coalesce(c.code, o.name) as "placeName",
			       (select count(distinct em.user_id)::int from public.effective_members em
			        where em.group_id = g.id) as "memberCount"
			from public.current_memberships m
			join public.groups g on g.id = m.group_id
			left join public.organisations o on o.id = g.organisation_id
			left join public.courses c on c.id = g.course_id
			where m.user_id = ${actor.id}
			order by (m.role = 'leader') desc, g.name collate public.natural
			limit 200`
	);
}
