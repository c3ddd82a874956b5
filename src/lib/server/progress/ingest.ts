import * as v from 'valibot';
import { isPgError, withUser, type Actor, type Tx, type Via } from '$lib/server/db';
import { invalid } from '$lib/server/errors';
import { parse, unknownFieldMessage } from '$lib/server/validate';
import { MAX_STATEMENTS, statement, statementBatch, type Statement } from '$lib/schemas/progress';
import { progressChanged } from './changes';

export type IngestResult = {
	index: number;
	id: string | null;
	status: 'applied' | 'duplicate' | 'rejected';
	message?: string;
};

export type IngestReport = {
	applied: number;
	duplicates: number;
	rejected: number;
	results: IngestResult[];
};

/** Statements more than this far in the future are refused (clock skew allowed). */
const FUTURE_SLACK_MS = 5 * 60 * 1000;

type Resolved = { statement: Statement; activityId: string; courseId: string; userId: string };

async function resolveActivities(tx: Tx, items: Statement[]) {
	const keys = [...new Set(items.map((s) => s.activity.idnumber))];
	const rows = await tx<{ id: string; course_id: string; idnumber: string; code: string }[]>`
		select a.id, a.course_id, a.idnumber, c.code
		from public.activities a join public.courses c on c.id = a.course_id
		where a.idnumber = any(${keys})
		  and a.course_id = any((select public.may_staff_courses(array(
		        select course_id from public.activities where idnumber = any(${keys}))))::uuid[])`;
	return (s: Statement) =>
		rows.filter(
			(row) =>
				row.idnumber === s.activity.idnumber &&
				(s.activity.course === undefined ||
					row.code === s.activity.course ||
					row.course_id === s.activity.course)
		);
}

async function resolvePeople(tx: Tx, courseIds: string[], items: Statement[]) {
	const emails = [...new Set(items.flatMap((s) => (s.actor.email ? [s.actor.email] : [])))];
	const idnumbers = [
		...new Set(items.flatMap((s) => (s.actor.idnumber ? [s.actor.idnumber] : [])))
	];
	const rows = await tx<
		{ course_id: string; user_id: string; email: string; idnumber: string | null }[]
	>`
		select e.course_id, e.user_id, ve.email, u.idnumber
		from public.enrolments e join public.users u on u.id = e.user_id
		left join private.visible_emails() ve on ve.user_id = u.id
		where e.course_id = any(${courseIds}::uuid[]) and (ve.email = any(${emails}) or u.idnumber = any(${idnumbers}))`;
	return (s: Statement, courseId: string) =>
		rows.find(
			(row) =>
				row.course_id === courseId &&
				(s.actor.email ? row.email === s.actor.email : row.idnumber === s.actor.idnumber)
		)?.user_id;
}

async function apply(tx: Tx, actorId: string, item: Resolved): Promise<boolean> {
	const s = item.statement;
	const at = s.timestamp ?? new Date();
	const [fresh] = await tx`
		insert into public.ingested_statements (course_id, statement_id, activity_id, user_id, verb, received_by)
		values (${item.courseId}, ${s.id}, ${item.activityId}, ${item.userId}, ${s.verb}, ${actorId})
		on conflict (course_id, statement_id) do nothing
		returning 1`;
	if (!fresh) return false;
	if (s.verb === 'completed') {
		await tx`
			insert into public.completions (activity_id, user_id, course_id, completed_at, score, scored_at, source, recorded_by)
			values (${item.activityId}, ${item.userId}, ${item.courseId}, ${at},
			        ${s.score ?? null}, ${s.score === undefined ? null : at}, 'ingest', ${actorId})
			on conflict (activity_id, user_id) do update set
				completed_at = least(public.completions.completed_at, excluded.completed_at),
				score = case when excluded.score is not null
				              and (public.completions.scored_at is null or excluded.scored_at >= public.completions.scored_at)
				             then excluded.score else public.completions.score end,
				scored_at = case when excluded.score is not null
				                  and (public.completions.scored_at is null or excluded.scored_at >= public.completions.scored_at)
				                 then excluded.scored_at else public.completions.scored_at end,
				source = 'ingest', recorded_by = excluded.recorded_by`;
	} else {
		await tx`
			insert into public.completions (activity_id, user_id, course_id, score, scored_at, source, recorded_by)
			values (${item.activityId}, ${item.userId}, ${item.courseId}, ${s.score!}, ${at}, 'ingest', ${actorId})
			on conflict (activity_id, user_id) do update set
				score = case when public.completions.scored_at is null or excluded.scored_at >= public.completions.scored_at
				             then excluded.score else public.completions.score end,
				scored_at = greatest(public.completions.scored_at, excluded.scored_at),
				source = 'ingest', recorded_by = excluded.recorded_by`;
	}
	return true;
}

/**
 * Applies a batch of completion and score statements from an external system, each on its own:
 * one bad statement is rejected with a reason and the others still apply. A statement id seen
 * before in the same course changes nothing ("duplicate"). The caller must be staff of each
 * statement's course.
 */
export async function ingest(
	actor: NonNullable<Actor>,
	input: unknown,
	via: Via = 'api'
): Promise<IngestReport> {
	const list =
		input && typeof input === 'object' && 'statements' in input
			? (input as { statements: unknown }).statements
			: undefined;
	if (!Array.isArray(list)) {
		throw invalid('Send {"statements": [...]}: a list of statements.', [
			{ path: 'statements', message: 'Send a list of statements.' }
		]);
	}
	if (list.length === 0) {
		throw invalid('The batch is empty.', [{ path: 'statements', message: 'Add a statement.' }]);
	}
	if (list.length > MAX_STATEMENTS) {
		throw invalid(`Send at most ${MAX_STATEMENTS} statements at a time.`, [
			{ path: 'statements', message: `At most ${MAX_STATEMENTS} statements.` }
		]);
	}
	// The envelope is strict; the statements are checked one by one below, each with its own result.
	const { statements: _, ...envelope } = input as Record<string, unknown>;
	parse(v.omit(statementBatch, ['statements']), envelope);
	const results: IngestResult[] = list.map((raw, index) => ({
		index,
		id: raw && typeof raw === 'object' && typeof raw.id === 'string' ? raw.id.slice(0, 200) : null,
		status: 'rejected'
	}));
	const parsed: { index: number; statement: Statement }[] = [];
	list.forEach((raw, index) => {
		const result = v.safeParse(statement, raw);
		if (!result.success) {
			const issue = result.issues[0];
			const path = issue.path?.map((p) => String(p.key)).join('.');
			results[index].message =
				unknownFieldMessage(issue) ?? (path ? `${path}: ${issue.message}` : issue.message);
		} else if (JSON.stringify(result.output).includes('\\u0000')) {
			results[index].message = 'The statement contains a NUL character.';
		} else if (
			result.output.timestamp &&
			result.output.timestamp.getTime() > Date.now() + FUTURE_SLACK_MS
		) {
			results[index].message = 'timestamp: The timestamp is in the future.';
		} else {
			parsed.push({ index, statement: result.output });
		}
	});
	const touched = new Map<string, Set<string>>();
	if (parsed.length > 0) {
		await withUser(
			actor,
			async (tx) => {
				const activitiesFor = await resolveActivities(
					tx,
					parsed.map((p) => p.statement)
				);
				const candidates = parsed.map((p) => ({ ...p, activities: activitiesFor(p.statement) }));
				const personFor = await resolvePeople(
					tx,
					[...new Set(candidates.flatMap((c) => c.activities.map((a) => a.course_id)))],
					parsed.map((p) => p.statement)
				);
				for (const candidate of candidates) {
					const result = results[candidate.index];
					if (candidate.activities.length === 0) {
						result.message = 'activity: No activity with this idnumber in a course you teach.';
						continue;
					}
					if (candidate.activities.length > 1) {
						result.message =
							'activity: Several of your courses have this idnumber; name the course.';
						continue;
					}
					const activity = candidate.activities[0];
					const userId = personFor(candidate.statement, activity.course_id);
					if (!userId) {
						result.message = 'actor: Nobody with this email or idnumber is in the course.';
						continue;
					}
					// A savepoint per statement: a database refusal rejects this one, not the batch.
					await tx`savepoint ingest_statement`;
					let applied: boolean;
					try {
						applied = await apply(tx, actor.id, {
							statement: candidate.statement,
							activityId: activity.id,
							courseId: activity.course_id,
							userId
						});
						await tx`release savepoint ingest_statement`;
					} catch (error) {
						await tx`rollback to savepoint ingest_statement`;
						result.message = isPgError(error)
							? 'The database refused this statement.'
							: 'This statement could not be applied.';
						console.error('Ingest statement failed', error);
						continue;
					}
					result.status = applied ? 'applied' : 'duplicate';
					if (applied) {
						const people = touched.get(activity.course_id) ?? new Set<string>();
						people.add(userId);
						touched.set(activity.course_id, people);
					}
				}
			},
			via
		);
	}
	if (touched.size > 0) {
		void progressChanged(
			[...touched.keys()],
			[...touched.values()].flatMap((s) => [...s])
		);
	}
	return {
		applied: results.filter((r) => r.status === 'applied').length,
		duplicates: results.filter((r) => r.status === 'duplicate').length,
		rejected: results.filter((r) => r.status === 'rejected').length,
		results
	};
}
