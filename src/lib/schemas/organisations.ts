import * as v from 'valibot';
import { courseRole, email, MAX_PAGE_NUMBER, readableName } from './common';
import { participantGroupFilter } from './course-groups';

export const organisationCreate = v.strictObject({
	name: v.pipe(
		v.string(),
		v.trim(),
		v.nonEmpty('Name the organisation.'),
		v.maxLength(200, 'Use at most 200 characters.'),
		readableName
	),
	slug: v.pipe(
		v.string(),
		v.trim(),
		v.toLowerCase(),
		v.nonEmpty('Choose a short name for the address.'),
		v.maxLength(64, 'Use at most 64 characters.'),
		v.regex(
			/^[a-z0-9]+(-[a-z0-9]+)*$/,
			'Use lowercase letters, digits and single dashes, like north-college.'
		)
	),
	description: v.optional(
		v.pipe(v.string(), v.trim(), v.maxLength(5000, 'Use at most 5,000 characters.')),
		''
	)
});

/** `{ "learnersMessageLearners": false }`: learner-to-learner direct messages on or off. */
export const organisationMessaging = v.strictObject({
	learnersMessageLearners: v.boolean('Send learnersMessageLearners as true or false.')
});

/** `{ "learnersSeeEmails": true }`: learners see other learners' email addresses, or not. */
export const organisationEmailVisibility = v.strictObject({
	learnersSeeEmails: v.boolean('Send learnersSeeEmails as true or false.')
});

export const organisationMemberAdd = v.strictObject({
	email,
	role: v.optional(v.picklist(['admin', 'member'], 'The role must be admin or member.'), 'member')
});

export const courseCreate = v.strictObject({
	code: v.pipe(
		v.string(),
		v.trim(),
		v.nonEmpty('Give the course a code, like BIO101.'),
		v.maxLength(50, 'Use at most 50 characters.')
	),
	name: v.pipe(
		v.string(),
		v.trim(),
		v.nonEmpty('Name the course.'),
		v.maxLength(200, 'Use at most 200 characters.'),
		readableName
	),
	description: v.optional(
		v.pipe(v.string(), v.trim(), v.maxLength(5000, 'Use at most 5,000 characters.')),
		''
	)
});

export const MAX_EMAILS_PER_PASTE = 5000;

export const enrolByEmails = v.strictObject({
	emails: v.pipe(
		v.string(),
		v.maxLength(500_000, 'That list is too long: paste at most 5,000 addresses at a time.')
	),
	role: v.optional(courseRole, 'learner')
});

export const participantsQuery = v.object({
	...participantGroupFilter,
	search: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200)), ''),
	role: v.optional(v.union([courseRole, v.literal('')]), ''),
	status: v.optional(v.union([v.picklist(['active', 'suspended']), v.literal('')]), ''),
	page: v.optional(
		v.pipe(
			v.unknown(),
			v.transform(Number),
			v.integer('The page must be a whole number.'),
			v.minValue(1, 'The page must be at least 1.'),
			v.maxValue(MAX_PAGE_NUMBER, 'The page is at most 1,000,000.')
		),
		1
	),
	pageSize: v.optional(
		v.pipe(v.unknown(), v.transform(Number), v.integer(), v.minValue(1), v.maxValue(200)),
		50
	)
});
