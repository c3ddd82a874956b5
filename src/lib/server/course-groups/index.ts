import { requireAccess } from '$lib/server/access';
import {
	isGroupFull,
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
import { GROUP_FULL } from '$lib/server/memberships';
import * as schemas from '$lib/schemas/course-groups';
import { allocate, nameGroups, newSeed, type Person } from './allocate';

export { importRows, previewImport, applyImport, type ImportRow } from './import';
export { overview, overviewCsv, type Overview } from './overview';

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
		)) order by lower(g.name), g.id)
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

/** Turns the database's refusals into messages a person can act on. */
export function translate(error: unknown, idnumber?: string | null): never {
	if (error instanceof DomainError) throw error;
	if (isGroupFull(error)) throw new DomainError(409, 'group_full', GROUP_FULL);
	if (isPgError(error, PG.checkViolation) && error.hint === 'exclusive_grouping') {
		throw new DomainError(409, 'exclusive_grouping', error.message);
	}
	if (isPgError(error, PG.checkViolation) && error.hint === 'other_course') {
		throw new DomainError(400, 'other_course', error.message);
	}
	if (
		isPgError(error, PG.uniqueViolation) &&
		error.constraint_name === 'groupings_course_idnumber_key'
	) {
		throw new DomainError(
			409,
			'idnumber_taken',
			`The idnumber "${idnumber}" is already used by another grouping of this course.`,
			[{ path: 'idnumber', message: 'Another grouping of this course uses this idnumber.' }]
		);
	}
	if (isPgError(error, PG.checkViolation) && error.constraint_name?.startsWith('groupings_')) {
		throw new DomainError(400, 'invalid_input', 'Sign-up must close after it opens.');
	}
	if (isPgError(error, PG.insufficientPrivilege)) throw notFound();
	if (isPgError(error, PG.foreignKeyViolation)) throw notFound();
	throw error;
}

/** The course of a grouping the viewer can see, after checking they may manage that course. */
async function manageGrouping(tx: Tx, groupingId: string): Promise<string> {
	if (!isUuid(groupingId)) throw notFound();
	const [row] = await tx<{ courseId: string }[]>`
		select course_id as "courseId" from public.groupings where id = ${groupingId}`;
	if (!row) throw notFound();
	await requireAccess(tx, 'course.manage', row.courseId);
	return row.courseId;
}

async function readGrouping(tx: Tx, groupingId: string): Promise<Grouping> {
	const [row] = await tx<RawGrouping[]>`
		select ${groupingColumns(tx)} from public.groupings gr where gr.id = ${groupingId}`;
	if (!row) throw notFound();
	return toGrouping(row);
}

// Groupings ---------------------------------------------------------------------------------------

/** The course's groupings, by name, each with the groups the viewer may see in it. */
export function listGroupings(actor: Actor, courseId: string): Promise<Grouping[]> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.view', courseId);
		const rows = await tx<RawGrouping[]>`
			select ${groupingColumns(tx)} from public.groupings gr
			where gr.course_id = ${courseId} order by lower(gr.name), gr.id`;
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

/** Deletes a grouping; its groups and their members stay. */
export async function deleteGrouping(
	actor: Actor,
	groupingId: string,
	via: Via = 'app'
): Promise<{ deleted: true; groupCount: number }> {
	return withUser(
		actor,
		async (tx) => {
			await manageGrouping(tx, groupingId);
			const [{ n }] = await tx<{ n: number }[]>`
				select count(*)::int as n from public.grouping_groups where grouping_id = ${groupingId}`;
			await tx`delete from public.groupings where id = ${groupingId}`;
			return { deleted: true as const, groupCount: n };
		},
		via
	);
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

// Automatic creation ----------------------------------------------------------------------------

export type AutoCreatePreview = {
	/** The seed that reproduces this random allocation; pass it to autoCreate. */
	seed: number;
	groups: { name: string; members: Person[] }[];
	/** People the source gave, before ignoring those already in a group. */
	sourceCount: number;
	/** People left out because they are already in a group of the course or grouping. */
	ignoredCount: number;
};

export type AutoCreateResult = {
	groupingId: string | null;
	groups: { id: string; name: string; memberCount: number }[];
	seed: number;
};

/** At most this many people are split in one go. */
export const MAX_AUTO_CREATE_PEOPLE = 20000;

/** The people the options draw from, in a stable order, with whether the ignore rule drops them. */
async function sourcePeople(tx: Tx, courseId: string, options: schemas.AutoCreateOptions) {
	const { source, ignore } = options;
	let from;
	if ('role' in source) {
		from = tx`e.role = ${source.role}`;
	} else if ('groupId' in source) {
		const [group] = await tx`
			select 1 from public.groups where id = ${source.groupId} and course_id = ${courseId}`;
		if (!group) throw new DomainError(400, 'invalid_source', 'Choose a group of this course.');
		from = tx`e.role = 'learner' and e.user_id in (
			select m.user_id from public.effective_members m where m.group_id = ${source.groupId})`;
	} else if ('groupingId' in source) {
		const [grouping] = await tx`
			select 1 from public.groupings where id = ${source.groupingId} and course_id = ${courseId}`;
		if (!grouping) {
			throw new DomainError(400, 'invalid_source', 'Choose a grouping of this course.');
		}
		from = tx`e.role = 'learner' and e.user_id in (
			select m.user_id from public.grouping_groups gg
			join public.effective_members m on m.group_id = gg.group_id
			where gg.grouping_id = ${source.groupingId})`;
	} else {
		const [link] = await tx`
			select 1 from public.course_group_links where course_id = ${courseId} and group_id = ${source.cohortId}`;
		if (!link) {
			throw new DomainError(400, 'invalid_source', 'Choose a cohort linked to this course.');
		}
		// Through the link's own record of who it brings in: course staff may read that, not
		// necessarily the organisation cohort's member list.
		from = tx`e.role = 'learner' and e.user_id in (
			select lm.user_id from public.course_link_members lm join public.course_group_links l on l.id = lm.link_id
			where l.course_id = ${courseId} and l.group_id = ${source.cohortId})`;
	}
	if (typeof ignore === 'object') {
		const [grouping] = await tx`
			select 1 from public.groupings where id = ${ignore.groupingId} and course_id = ${courseId}`;
		if (!grouping) {
			throw new DomainError(400, 'invalid_ignore', 'Choose a grouping of this course.');
		}
	}
	const ignored =
		ignore === 'course'
			? tx`exists (
				select 1 from public.current_memberships m join public.groups g on g.id = m.group_id
				where m.user_id = e.user_id and g.course_id = ${courseId})`
			: typeof ignore === 'object'
				? tx`exists (
					select 1 from public.grouping_groups gg join public.current_memberships m on m.group_id = gg.group_id
					where gg.grouping_id = ${ignore.groupingId} and m.user_id = e.user_id)`
				: tx`false`;
	const rows = await tx<(Person & { ignored: boolean })[]>`
		select e.user_id as id, u.display_name as "displayName", ${ignored} as ignored
		from public.enrolments e join public.users u on u.id = e.user_id
		where e.course_id = ${courseId} and ${from}
		  ${options.includeInactive ? tx`` : tx`and e.status = 'active'`}
		order by e.user_id
		limit ${MAX_AUTO_CREATE_PEOPLE + 1}`;
	if (rows.length > MAX_AUTO_CREATE_PEOPLE) {
		throw new DomainError(
			413,
			'too_many_people',
			`Split at most ${MAX_AUTO_CREATE_PEOPLE.toLocaleString('en')} people at a time.`
		);
	}
	return rows;
}

async function plan(tx: Tx, courseId: string, options: schemas.AutoCreateOptions) {
	const rows = await sourcePeople(tx, courseId, options);
	const people = rows
		.filter((row) => !row.ignored)
		.map(({ id, displayName }) => ({ id, displayName }));
	if (people.length === 0 && (options.allocation !== 'none' || options.by === 'members')) {
		throw new DomainError(
			422,
			'nobody_to_allocate',
			rows.length === 0
				? 'Nobody matches: the source has no one to put in groups.'
				: 'Everyone the source gives is already in a group.'
		);
	}
	const seed = options.seed ?? newSeed();
	const groups = allocate(people, { ...options, seed });
	if (groups.length > 5000) {
		throw new DomainError(400, 'too_many_groups', 'That would make more than 5,000 groups.');
	}
	const taken = await tx<{ name: string }[]>`
		select name from public.groups where course_id = ${courseId}`;
	const names = nameGroups(
		options.naming,
		groups.length,
		taken.map((row) => row.name)
	);
	if (names.some((name) => name.length > 200)) {
		throw new DomainError(
			400,
			'invalid_input',
			'The group names would be longer than 200 characters.'
		);
	}
	return {
		seed,
		groups: groups.map((members, index) => ({ name: names[index], members })),
		sourceCount: rows.length,
		ignoredCount: rows.length - people.length
	};
}

/** What autoCreate would make with these options: names, members and counts, and the seed. */
export async function previewAutoCreate(
	actor: Actor,
	courseId: string,
	options: unknown
): Promise<AutoCreatePreview> {
	const data = parse(schemas.autoCreateOptions, options);
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.manage', courseId);
		return plan(tx, courseId, data);
	});
}

/**
 * Creates the groups (and their grouping, if asked) in one transaction with set-based inserts.
 * With the preview's seed the groups are exactly the preview's.
 */
export async function autoCreate(
	actor: Actor,
	courseId: string,
	options: unknown,
	via: Via = 'app'
): Promise<AutoCreateResult> {
	const data = parse(schemas.autoCreateOptions, options);
	try {
		return await retryDeadlock(() =>
			withUser(
				actor,
				async (tx) => {
					await requireAccess(tx, 'course.manage', courseId);
					const planned = await plan(tx, courseId, data);
					let groupingId: string | null = null;
					if (data.grouping && 'id' in data.grouping) {
						const [grouping] = await tx<{ id: string }[]>`
						select id from public.groupings where id = ${data.grouping.id} and course_id = ${courseId}`;
						if (!grouping) {
							throw new DomainError(400, 'invalid_grouping', 'Choose a grouping of this course.');
						}
						groupingId = grouping.id;
					} else if (data.grouping) {
						groupingId = crypto.randomUUID();
						await tx`
						insert into public.groupings (id, course_id, name, created_by)
						values (${groupingId}, ${courseId}, ${data.grouping.name}, ${actor?.id ?? null})`;
					}
					const groupIds = planned.groups.map(() => crypto.randomUUID());
					const names = planned.groups.map((group) => group.name);
					await tx`
					insert into public.groups (id, scope, organisation_id, course_id, kind, name, messaging_enabled, created_by)
					select t.id, 'course', c.organisation_id, c.id, 'group', t.name, ${data.messaging}, ${actor?.id ?? null}
					from unnest(${groupIds}::uuid[], ${names}::text[]) as t(id, name)
					cross join public.courses c where c.id = ${courseId}`;
					const memberGroups: string[] = [];
					const memberUsers: string[] = [];
					planned.groups.forEach((group, index) => {
						for (const person of group.members) {
							memberGroups.push(groupIds[index]);
							memberUsers.push(person.id);
						}
					});
					if (memberUsers.length > 0) {
						await tx`
						insert into public.group_members (group_id, user_id, role, source, added_by)
						select t.group_id, t.user_id, 'member', 'auto', ${actor?.id ?? null}
						from unnest(${memberGroups}::uuid[], ${memberUsers}::uuid[]) as t(group_id, user_id)`;
					}
					if (groupingId && groupIds.length > 0) {
						await tx`
						insert into public.grouping_groups (grouping_id, group_id)
						select ${groupingId}, unnest(${groupIds}::uuid[])`;
					}
					return {
						groupingId,
						seed: planned.seed,
						groups: planned.groups.map((group, index) => ({
							id: groupIds[index],
							name: group.name,
							memberCount: group.members.length
						}))
					};
				},
				via
			)
		);
	} catch (error) {
		translate(error);
	}
}

// Self sign-up ----------------------------------------------------------------------------------

/** Opens or closes a grouping for self sign-up and sets its limit, dates and automatic leader. */
export async function updateSignup(
	actor: Actor,
	groupingId: string,
	input: unknown,
	via: Via = 'app'
): Promise<Grouping> {
	const data = parse(schemas.signupSettings, input);
	try {
		return await retryDeadlock(() =>
			withUser(
				actor,
				async (tx) => {
					await manageGrouping(tx, groupingId);
					await tx`
					update public.groupings set
						signup_open = ${data.open}, signup_size_limit = ${data.sizeLimit},
						signup_opens_at = ${data.opensAt}, signup_closes_at = ${data.closesAt},
						auto_leader = ${data.autoLeader}
					where id = ${groupingId}`;
					return readGrouping(tx, groupingId);
				},
				via
			)
		);
	} catch (error) {
		translate(error);
	}
}

export type SignupGroup = {
	id: string;
	name: string;
	description: string;
	memberCount: number;
	/** Places per group, leaders included; null when there is no limit. */
	placeLimit: number | null;
	/** null when there is no limit. */
	placesLeft: number | null;
	full: boolean;
	isMine: boolean;
};

export type SignupGrouping = {
	id: string;
	name: string;
	description: string;
	exclusive: boolean;
	opensAt: Date | null;
	closesAt: Date | null;
	/** Whether joining and leaving are possible now (open and within the dates). */
	openNow: boolean;
	/** Why joining is not possible now, when it is not. */
	closedMessage: string | null;
	autoLeader: AutoLeader;
	groups: SignupGroup[];
	/** The viewer's own groups in this grouping. */
	myGroupIds: string[];
};

const dateText = (date: Date) => date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

function closedMessage(opensAt: Date | null, closesAt: Date | null, now = new Date()) {
	if (opensAt && opensAt > now) return `Sign-up opens on ${dateText(opensAt)}.`;
	if (closesAt && closesAt <= now) return `Sign-up closed on ${dateText(closesAt)}.`;
	return null;
}

/** The groupings of a course open for self sign-up, with places left and the viewer's own group. */
export function signupView(actor: NonNullable<Actor>, courseId: string): Promise<SignupGrouping[]> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'course.view', courseId);
		const groupings = await tx<
			{
				id: string;
				name: string;
				description: string;
				exclusive: boolean;
				opensAt: Date | null;
				closesAt: Date | null;
				autoLeader: AutoLeader;
			}[]
		>`
			select gr.id, gr.name, gr.description, gr.exclusive, gr.signup_opens_at as "opensAt",
			       gr.signup_closes_at as "closesAt", gr.auto_leader as "autoLeader"
			from public.groupings gr
			where gr.course_id = ${courseId} and gr.signup_open
			order by lower(gr.name), gr.id`;
		if (groupings.length === 0) return [];
		const groups = await tx<(Omit<SignupGroup, 'placesLeft' | 'full'> & { groupingId: string })[]>`
			select gg.grouping_id as "groupingId", g.id, g.name, g.description,
			       coalesce(p.members, 0) as "memberCount", p.place_limit as "placeLimit",
			       exists (
			         select 1 from public.current_memberships m where m.group_id = g.id and m.user_id = ${actor.id}
			       ) as "isMine"
			from public.grouping_groups gg
			join public.groups g on g.id = gg.group_id
			left join private.signup_group_places(array(
				select group_id from public.grouping_groups where grouping_id = any(${groupings.map((row) => row.id)}::uuid[])
			)) p on p.group_id = g.id
			where gg.grouping_id = any(${groupings.map((row) => row.id)}::uuid[])
			order by lower(g.name), g.id`;
		const now = new Date();
		return groupings.map((grouping) => {
			const own = groups
				.filter((group) => group.groupingId === grouping.id)
				.map(({ groupingId: _groupingId, ...group }) => {
					const placesLeft =
						group.placeLimit === null ? null : Math.max(0, group.placeLimit - group.memberCount);
					return { ...group, placesLeft, full: placesLeft === 0 };
				});
			const message = closedMessage(grouping.opensAt, grouping.closesAt, now);
			return {
				...grouping,
				openNow: message === null,
				closedMessage: message,
				groups: own,
				myGroupIds: own.filter((group) => group.isMine).map((group) => group.id)
			};
		});
	});
}

/** Why a sign-up group cannot be joined or left now, or null when it can. */
async function signupState(tx: Tx, groupId: string) {
	const rows = await tx<{ name: string; opensAt: Date | null; closesAt: Date | null }[]>`
		select g.name, gr.signup_opens_at as "opensAt", gr.signup_closes_at as "closesAt"
		from public.groups g
		join public.grouping_groups gg on gg.group_id = g.id
		join public.groupings gr on gr.id = gg.grouping_id and gr.signup_open
		where g.id = ${groupId}`;
	if (rows.length === 0) throw notFound();
	const open = rows.find((row) => closedMessage(row.opensAt, row.closesAt) === null);
	return {
		name: rows[0].name,
		closed: open ? null : closedMessage(rows[0].opensAt, rows[0].closesAt)
	};
}

async function retryDeadlock<T>(fn: () => Promise<T>): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await fn();
		} catch (error) {
			// Two learners swapping groups of an exclusive grouping with automatic leaders lock
			// the two groups in opposite orders; Postgres aborts one, which simply tries again.
			if (attempt < 4 && isPgError(error, '40P01')) continue;
			throw error;
		}
	}
}

/**
 * Signs the actor up to a group of a grouping open for sign-up. Refuses "The group is full." at
 * the limit (joins into one group queue on its row lock) and outside the dates; in an exclusive
 * grouping the learner moves out of their other group, and `movedFrom` names it.
 */
export async function signUp(
	actor: NonNullable<Actor>,
	groupId: string,
	via: Via = 'app'
): Promise<{ groupName: string; movedFrom?: string; message: string }> {
	if (!isUuid(groupId)) throw notFound();
	try {
		return await retryDeadlock(() =>
			withUser(
				actor,
				async (tx) => {
					const state = await signupState(tx, groupId);
					if (state.closed) throw new DomainError(409, 'signup_closed', state.closed);
					const [places] = await tx<{ members: number; place_limit: number | null }[]>`
						select members, place_limit from private.lock_signup_group(${groupId})`;
					if (!places) throw notFound();
					// After the lock: the actor's own join of this group in another tab has committed.
					const [already] = await tx`
						select 1 from public.unexpired_memberships
						where group_id = ${groupId} and user_id = ${actor.id}`;
					if (already) {
						throw new DomainError(409, 'already_member', `You are already in ${state.name}.`);
					}
					if (places.place_limit !== null && places.members >= places.place_limit) {
						throw new DomainError(409, 'group_full', GROUP_FULL);
					}
					await tx`
						insert into public.group_members (group_id, user_id, role, source, added_by)
						values (${groupId}, ${actor.id}, 'member', 'self', ${actor.id})`;
					const [{ moved }] = await tx<{ moved: string | null }[]>`
						select nullif(current_setting('tessera.moved_from', true), '') as moved`;
					return moved
						? {
								groupName: state.name,
								movedFrom: moved,
								message: `You moved from ${moved} to ${state.name}.`
							}
						: { groupName: state.name, message: `You joined ${state.name}.` };
				},
				via
			)
		);
	} catch (error) {
		if (isPgError(error, PG.uniqueViolation)) {
			throw new DomainError(409, 'already_member', 'You are already in this group.');
		}
		translate(error);
	}
}

/** Leaves a sign-up group (while sign-up is open). An automatic leader is replaced at once. */
export async function leaveSignup(
	actor: NonNullable<Actor>,
	groupId: string,
	via: Via = 'app'
): Promise<{ message: string }> {
	if (!isUuid(groupId)) throw notFound();
	return retryDeadlock(() =>
		withUser(
			actor,
			async (tx) => {
				const state = await signupState(tx, groupId);
				if (state.closed) {
					throw new DomainError(
						409,
						'signup_closed',
						`${state.closed} Ask your teacher to change your group.`
					);
				}
				const rows = await tx`
					delete from public.group_members where group_id = ${groupId} and user_id = ${actor.id}
					returning user_id`;
				if (rows.length === 0) {
					throw new DomainError(409, 'not_member', `You are not in ${state.name}.`);
				}
				return { message: `You left ${state.name}.` };
			},
			via
		)
	);
}

/**
 * Puts every active learner of the course who is in none of the grouping's groups into its
 * groups, smallest group first, never past a group's place limit; reports who is left over.
 */
export async function assignUnassigned(
	actor: Actor,
	groupingId: string,
	via: Via = 'app'
): Promise<{ assigned: number; leftOver: Person[] }> {
	try {
		return await retryDeadlock(() =>
			withUser(
				actor,
				async (tx) => {
					const courseId = await manageGrouping(tx, groupingId);
					const groups = await tx<{ id: string; name: string }[]>`
					select g.id, g.name from public.grouping_groups gg join public.groups g on g.id = gg.group_id
					where gg.grouping_id = ${groupingId}
					order by g.id
					for update of g`;
					const places = await tx<
						{ group_id: string; members: number; place_limit: number | null }[]
					>`
					select group_id, members, place_limit
					from private.signup_group_places(${groups.map((group) => group.id)}::uuid[])`;
					const unassigned = await tx<Person[]>`
					select e.user_id as id, u.display_name as "displayName"
					from public.enrolments e join public.users u on u.id = e.user_id
					where e.course_id = ${courseId} and e.role = 'learner' and e.status = 'active'
					  and not exists (
					    select 1 from public.grouping_groups gg join public.unexpired_memberships m on m.group_id = gg.group_id
					    where gg.grouping_id = ${groupingId} and m.user_id = e.user_id)
					order by lower(u.display_name), e.user_id`;
					const slots = groups.map((group) => {
						const place = places.find((row) => row.group_id === group.id);
						return {
							...group,
							members: place?.members ?? 0,
							limit: place?.place_limit ?? null
						};
					});
					const groupOf: string[] = [];
					const userOf: string[] = [];
					const leftOver: Person[] = [];
					for (const person of unassigned) {
						const open = slots.filter((slot) => slot.limit === null || slot.members < slot.limit);
						if (open.length === 0) {
							leftOver.push(person);
							continue;
						}
						open.sort(
							(a, b) =>
								a.members - b.members || a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1)
						);
						open[0].members += 1;
						groupOf.push(open[0].id);
						userOf.push(person.id);
					}
					if (userOf.length > 0) {
						await tx`
						insert into public.group_members (group_id, user_id, role, source, added_by)
						select t.group_id, t.user_id, 'member', 'auto', ${actor?.id ?? null}
						from unnest(${groupOf}::uuid[], ${userOf}::uuid[]) as t(group_id, user_id)`;
					}
					return { assigned: userOf.length, leftOver };
				},
				via
			)
		);
	} catch (error) {
		translate(error);
	}
}
