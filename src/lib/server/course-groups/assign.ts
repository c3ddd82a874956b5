/**
 * "Assign unassigned": every active learner of the course in none of a grouping's groups goes into
 * one of them, smallest group first, never past a place limit (the group's own, or the grouping's
 * member limit whether or not sign-up is open). A large grouping runs as a job in batches, its
 * progress in public.grouping_assign_runs.
 */
import {
	asService,
	readAs,
	retryDeadlock,
	withUser,
	type Actor,
	type Tx,
	type Via
} from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { defineQueue, type JobHandler } from '$lib/server/jobs';
import { isUuid } from '$lib/server/validate';
import { type Person } from './allocate';
import { manageGrouping } from './groupings';
import { translate } from './refusals';

export type AssignReport = { assigned: number; leftOver: Person[] };

export type AssignRun = {
	id: string;
	groupingId: string;
	status: 'queued' | 'running' | 'done' | 'failed';
	/** Learners unassigned when the run was queued. */
	total: number;
	/** How many of them it has placed or found no place for so far. */
	processed: number;
	assigned: number;
	leftOver: Person[];
	error: string | null;
	createdAt: Date;
	finishedAt: Date | null;
};

/** More unassigned learners than this run as a job (ASSIGN_UNASSIGNED_JOB_THRESHOLD). */
const jobThreshold = () => Number(process.env.ASSIGN_UNASSIGNED_JOB_THRESHOLD ?? 300);
/** Learners placed per transaction of a job (ASSIGN_UNASSIGNED_BATCH). */
const batchSize = () => Math.max(1, Number(process.env.ASSIGN_UNASSIGNED_BATCH ?? 100));

type AssignJob = { runId: string; via: Via };

export const assignQueue = defineQueue<AssignJob>({ name: 'grouping-assign', retryLimit: 2 });

/** Active learners of the course in none of the grouping's groups, by name. */
function unassigned(tx: Tx, groupingId: string, courseId: string) {
	return tx<Person[]>`
		select e.user_id as id, u.display_name as "displayName"
		from public.enrolments e join public.users u on u.id = e.user_id
		where e.course_id = ${courseId} and e.role = 'learner' and e.status = 'active'
		  and not exists (
		    select 1 from public.grouping_groups gg join public.unexpired_memberships m on m.group_id = gg.group_id
		    where gg.grouping_id = ${groupingId} and m.user_id = e.user_id)
		order by lower(u.display_name), e.user_id`;
}

/**
 * Places up to `limit` unassigned learners (all when null) under the groups' row locks. When the
 * places run out, everyone still unassigned is left over and the work is done.
 */
async function assignBatch(
	tx: Tx,
	actor: Actor,
	groupingId: string,
	courseId: string,
	limit: number | null
): Promise<AssignReport & { done: boolean }> {
	const groups = await tx<{ id: string; name: string }[]>`
		select g.id, g.name from public.grouping_groups gg join public.groups g on g.id = gg.group_id
		where gg.grouping_id = ${groupingId}
		order by g.id
		for update of g`;
	const places = await tx<{ group_id: string; members: number; place_limit: number | null }[]>`
		select group_id, members, place_limit
		from private.signup_group_places(${groups.map((group) => group.id)}::uuid[])`;
	const people = await unassigned(tx, groupingId, courseId);
	const slots = groups.map((group) => {
		const place = places.find((row) => row.group_id === group.id);
		return { ...group, members: place?.members ?? 0, limit: place?.place_limit ?? null };
	});
	const groupOf: string[] = [];
	const userOf: string[] = [];
	let leftOver: Person[] = [];
	let done = true;
	for (const [index, person] of people.entries()) {
		if (limit !== null && userOf.length >= limit) {
			done = false;
			break;
		}
		const open = slots.filter((slot) => slot.limit === null || slot.members < slot.limit);
		if (open.length === 0) {
			leftOver = people.slice(index);
			break;
		}
		open.sort(
			(a, b) => a.members - b.members || a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1)
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
	return { assigned: userOf.length, leftOver, done };
}

const runColumns = (tx: Tx) => tx`
	id, grouping_id as "groupingId", status, total, processed, assigned, left_over as "leftOver",
	error, created_at as "createdAt", finished_at as "finishedAt"`;

/**
 * Assigns the unassigned learners of a grouping (course managers). Up to the job threshold it
 * answers with what it did; past it, it queues a job (or returns the one already under way) and
 * answers `{ run }`, whose progress `assignRun` reads.
 */
export async function assignUnassigned(
	actor: Actor,
	groupingId: string,
	via: Via = 'app'
): Promise<AssignReport | { run: AssignRun }> {
	let outcome: AssignReport | { run: AssignRun; queued: boolean };
	try {
		outcome = await retryDeadlock(() =>
			withUser(
				actor,
				async (tx) => {
					const courseId = await manageGrouping(tx, groupingId);
					const [busy] = await tx<AssignRun[]>`
						select ${runColumns(tx)} from public.grouping_assign_runs
						where grouping_id = ${groupingId} and status in ('queued', 'running')
						order by created_at desc limit 1`;
					if (busy) return { run: busy, queued: false };
					const n = (await unassigned(tx, groupingId, courseId)).length;
					if (n <= jobThreshold()) {
						const { assigned, leftOver } = await assignBatch(tx, actor, groupingId, courseId, null);
						return { assigned, leftOver };
					}
					const [run] = await tx<AssignRun[]>`
						insert into public.grouping_assign_runs (grouping_id, requested_by, total)
						values (${groupingId}, ${actor?.id ?? null}, ${n})
						returning ${runColumns(tx)}`;
					return { run, queued: true };
				},
				via
			)
		);
	} catch (error) {
		translate(error);
	}
	if (!('run' in outcome)) return outcome;
	if (outcome.queued) {
		try {
			await assignQueue.send({ runId: outcome.run.id, via });
		} catch (error) {
			await finishRun(outcome.run.id, 'failed', 'The job queue is not answering. Try again.');
			throw error;
		}
	}
	return { run: outcome.run };
}

/** The grouping's latest "Assign unassigned" job (course managers), or null when it has none. */
export function latestAssignRun(actor: Actor, groupingId: string): Promise<AssignRun | null> {
	if (!isUuid(groupingId)) throw notFound();
	return readAs(actor, async (tx) => {
		await manageGrouping(tx, groupingId);
		const [run] = await tx<AssignRun[]>`
			select ${runColumns(tx)} from public.grouping_assign_runs
			where grouping_id = ${groupingId} order by created_at desc limit 1`;
		return run ?? null;
	});
}

function finishRun(runId: string, status: 'done' | 'failed', error: string | null = null) {
	return asService(
		(tx) => tx`
			update public.grouping_assign_runs
			set status = ${status}, error = ${error}, finished_at = now(), total = greatest(total, processed)
			where id = ${runId}`
	);
}

/**
 * Works one queued run in batches, acting as the person who asked (their rights are checked
 * again in every batch), and records progress after each.
 */
export const handleAssignRun: JobHandler<AssignJob> = async ({ runId, via }) => {
	const [run] = await asService(
		(tx) => tx<{ groupingId: string; requestedBy: string | null; status: string }[]>`
			select grouping_id as "groupingId", requested_by as "requestedBy", status
			from public.grouping_assign_runs where id = ${runId}`
	);
	if (!run || run.status === 'done' || run.status === 'failed') return;
	if (!run.requestedBy) {
		await finishRun(runId, 'failed', 'The person who asked for this no longer has an account.');
		return;
	}
	const actor = { id: run.requestedBy };
	await asService(
		(tx) => tx`update public.grouping_assign_runs set status = 'running' where id = ${runId}`
	);
	try {
		for (;;) {
			const step = await retryDeadlock(() =>
				withUser(
					actor,
					async (tx) => {
						const courseId = await manageGrouping(tx, run.groupingId);
						return assignBatch(tx, actor, run.groupingId, courseId, batchSize());
					},
					via
				)
			);
			await asService(
				(tx) => tx`
					update public.grouping_assign_runs
					set processed = processed + ${step.assigned + step.leftOver.length},
					    assigned = assigned + ${step.assigned},
					    left_over = left_over || ${tx.json(step.leftOver)}::jsonb,
					    total = greatest(total, processed + ${step.assigned + step.leftOver.length})
					where id = ${runId}`
			);
			if (step.done) break;
		}
		await finishRun(runId, 'done');
	} catch (error) {
		const message =
			error instanceof DomainError
				? error.message
				: 'Something went wrong while assigning; the learners placed so far stay placed.';
		if (!(error instanceof DomainError)) {
			console.error('Assigning unassigned learners failed', error);
		}
		await finishRun(runId, 'failed', message);
	}
};
