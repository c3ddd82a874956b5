import * as v from 'valibot';

export const email = v.pipe(
	v.string('Enter an email address.'),
	v.trim(),
	v.toLowerCase(),
	v.nonEmpty('Enter an email address.'),
	v.maxLength(254, 'That email address is too long.'),
	v.email('Enter a valid email address, like name@example.com.')
);

export const displayName = v.pipe(
	v.string('Enter your name.'),
	v.trim(),
	v.nonEmpty('Enter your name.'),
	v.maxLength(100, 'Use at most 100 characters for a name.')
);

export const uuid = v.pipe(v.string(), v.uuid('That is not a valid id.'));

export const courseRole = v.picklist(
	['learner', 'assistant', 'instructor'],
	'The role must be learner, assistant or instructor.'
);
export type CourseRole = v.InferOutput<typeof courseRole>;

export const enrolmentStatus = v.picklist(
	['active', 'suspended'],
	'The status must be active or suspended.'
);
export type EnrolmentStatus = v.InferOutput<typeof enrolmentStatus>;
