import * as v from 'valibot';
import { dateInRange, readableName, uuid } from './common';

/** A date as typed in a form (YYYY-MM-DD, midnight UTC) or a full ISO timestamp. */
const isoDate = v.pipe(
	v.string('Enter a date.'),
	v.trim(),
	v.regex(
		/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$/,
		'Enter a date like 2026-09-01.'
	),
	v.check((text) => !Number.isNaN(Date.parse(text)), 'That date does not exist.'),
	dateInRange<string>(),
	v.transform((text) => new Date(text.length === 10 ? `${text}T00:00:00Z` : text).toISOString())
);

const number = (message: string) =>
	v.pipe(
		v.union([v.number(), v.pipe(v.string(), v.trim(), v.nonEmpty(message), v.transform(Number))]),
		v.number(message),
		v.finite(message)
	);

const negate = v.optional(v.boolean(), false);
const comparison = v.picklist(['below', 'above'], 'Choose below or above.');

/** The criteria catalogue (issue 6 §4); each may be negated ("anti-criteria"). */
export const criterion = v.variant(
	'type',
	[
		v.strictObject({
			type: v.literal('enrolled'),
			when: v.picklist(['before', 'after'], 'Choose before or after.'),
			date: isoDate,
			negate
		}),
		v.strictObject({
			type: v.literal('progress'),
			op: comparison,
			percent: v.pipe(
				number('Enter a percentage.'),
				v.minValue(0, 'A percentage is 0 to 100.'),
				v.maxValue(100, 'A percentage is 0 to 100.')
			),
			negate
		}),
		v.strictObject({
			type: v.literal('completed'),
			// 'any': completed at least one activity of the course.
			activityId: v.union([v.literal('any'), uuid], 'Choose an activity.'),
			negate
		}),
		v.strictObject({
			type: v.literal('score'),
			activityId: uuid,
			op: comparison,
			value: v.pipe(
				number('Enter a score.'),
				v.minValue(-1000000, 'That score is out of range.'),
				v.maxValue(1000000, 'That score is out of range.')
			),
			negate
		}),
		v.strictObject({
			type: v.literal('inactive'),
			days: v.pipe(
				number('Enter a number of days.'),
				v.integer('Use whole days.'),
				v.minValue(1, 'Use 1 to 365 days.'),
				v.maxValue(365, 'Use 1 to 365 days.')
			),
			negate
		}),
		v.strictObject({ type: v.literal('member'), groupId: uuid, negate }),
		v.pipe(
			v.strictObject({
				type: v.literal('enrolment'),
				role: v.optional(v.picklist(['learner', 'assistant', 'instructor'], 'Unknown role.')),
				status: v.optional(v.picklist(['active', 'suspended'], 'Unknown status.')),
				negate
			}),
			v.check((c) => c.role !== undefined || c.status !== undefined, 'Choose a role or a status.')
		)
	],
	'Unknown criterion.'
);
export type Criterion = v.InferOutput<typeof criterion>;
export type CriterionInput = v.InferInput<typeof criterion>;

/** One or two criteria, joined by AND. */
export const criteria = v.strictObject({
	all: v.pipe(
		v.array(criterion, 'List the criteria.'),
		v.minLength(1, 'Add a criterion.'),
		v.maxLength(2, 'Use at most two criteria.')
	)
});
export type Criteria = v.InferOutput<typeof criteria>;

export const refreshModes = ['static', 'dynamic'] as const;

const name = v.pipe(
	v.string('Name the learner group.'),
	v.trim(),
	v.nonEmpty('Name the learner group.'),
	v.maxLength(200, 'Use at most 200 characters for a name.'),
	readableName
);
const cadenceMinutes = v.optional(
	v.pipe(
		number('Enter the minutes between refreshes.'),
		v.integer('Use whole minutes.'),
		v.minValue(5, 'Refresh at most every 5 minutes.'),
		v.maxValue(10080, 'Refresh at least once a week (10,080 minutes).')
	),
	60
);

export const learnerGroupCreate = v.strictObject({
	name,
	description: v.optional(
		v.pipe(v.string(), v.trim(), v.maxLength(5000, 'Use at most 5,000 characters.')),
		''
	),
	criteria,
	refreshMode: v.optional(v.picklist(refreshModes, 'Choose static or dynamic.'), 'dynamic'),
	cadenceMinutes
});
export type LearnerGroupCreate = v.InferOutput<typeof learnerGroupCreate>;

export const learnerGroupUpdate = v.partial(learnerGroupCreate);

export const settingsUpdate = v.strictObject({
	learnerGroupsEnabled: v.optional(v.boolean()),
	inactiveDays: v.optional(
		v.pipe(
			number('Enter a number of days.'),
			v.integer('Use whole days.'),
			v.minValue(1, 'Use 1 to 365 days.'),
			v.maxValue(365, 'Use 1 to 365 days.')
		)
	)
});

export const interventionCreate = v.strictObject({
	subject: v.pipe(
		v.string('Write a subject.'),
		v.trim(),
		v.nonEmpty('Write a subject.'),
		v.maxLength(200, 'Use at most 200 characters for a subject.')
	),
	body: v.pipe(
		v.string('Write a message.'),
		v.trim(),
		v.nonEmpty('Write a message.'),
		v.maxLength(10000, 'Use at most 10,000 characters.')
	)
});

export const linkGroup = v.strictObject({ parentId: v.nullable(uuid) });
