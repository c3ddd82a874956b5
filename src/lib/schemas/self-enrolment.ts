import * as v from 'valibot';
import { uuid } from './common';
import { flag, optionalDate } from './course-groups';

/** A key as typed: surrounding space dropped; empty means "no key". Strength is checked by the server. */
const key = v.optional(
	v.nullable(
		v.pipe(
			v.string('The key must be text.'),
			v.trim(),
			v.maxLength(256, 'Use at most 256 characters for a key.'),
			v.transform((value) => value || null)
		)
	),
	null
);

export const selfEnrolmentRoles = ['learner', 'assistant'] as const;

/** A course's self-enrolment: on or off, its key, open and close dates, the role people get. */
export const selfEnrolmentSettings = v.pipe(
	v.strictObject({
		enabled: flag(false),
		key,
		opensAt: optionalDate('The opening date'),
		closesAt: optionalDate('The closing date'),
		defaultRole: v.optional(
			v.picklist(selfEnrolmentRoles, 'People who enrol themselves are learners or assistants.'),
			'learner'
		)
	}),
	v.check(
		(value) => !value.opensAt || !value.closesAt || value.closesAt > value.opensAt,
		'Self-enrolment must close after it opens.'
	),
	v.check(
		(value) => !value.enabled || value.key !== null,
		'Set an enrolment key to turn self-enrolment on.'
	)
);

/** A course group's enrolment key; null takes it away. */
export const groupEnrolmentKey = v.strictObject({ key });

export const selfEnrol = v.strictObject({
	courseId: uuid,
	key: v.pipe(
		v.string('Enter the enrolment key.'),
		v.trim(),
		v.nonEmpty('Enter the enrolment key.'),
		v.maxLength(256, 'That key is too long.')
	)
});
