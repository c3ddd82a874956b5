/** The database's refusals of grouping and sign-up writes, turned into messages, and its retries. */
import { isGroupFull, isPgError, PG } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { GROUP_FULL } from '$lib/server/memberships';

/** Turns the database's refusals into messages a person can act on. */
export function translate(error: unknown, idnumber?: string | null): never {
	if (error instanceof DomainError) throw error;
	if (isGroupFull(error)) throw new DomainError(409, 'group_full', GROUP_FULL);
	if (isPgError(error, PG.checkViolation) && error.hint === 'grouping_full') {
		throw new DomainError(409, 'over_limit', error.message);
	}
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

export { retryDeadlock } from '$lib/server/db';
