/** Self sign-up: opening a grouping, joining and leaving its groups, and placing the rest. */
import { requireAccess } from '$lib/server/access';
import { isPgError, PG, readAs, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import { GROUP_FULL } from '$lib/server/memberships';
import * as schemas from '$lib/schemas/course-groups';
import { manageGrouping, readGrouping, type AutoLeader, type Grouping } from './groupings';
import { retryDeadlock, translate } from './refusals';

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
			order by gr.name collate public.natural, gr.id`;
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
			order by g.name collate public.natural, g.id`;
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
