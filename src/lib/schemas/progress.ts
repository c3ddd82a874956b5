import * as v from 'valibot';
import { dateInRange, readableName, uuid } from './common';
import { groupModes } from './course-groups';

export const activityTypes = [
	'page',
	'assignment',
	'quiz',
	'video',
	'discussion',
	'external'
] as const;

const optionalDate = v.optional(
	v.nullable(
		v.pipe(
			v.union([v.date(), v.string()]),
			v.transform((value) => (value === '' ? null : new Date(value))),
			v.nullable(
				v.pipe(
					v.date(),
					v.check((d) => !Number.isNaN(d.getTime()), 'Enter a valid date.'),
					dateInRange<Date>()
				)
			)
		)
	),
	null
);

const idnumber = v.optional(
	v.nullable(
		v.pipe(
			v.string(),
			v.trim(),
			v.maxLength(100, 'Use at most 100 characters for an idnumber.'),
			v.transform((value) => value || null)
		)
	),
	null
);

const activityFields = {
	title: v.pipe(
		v.string('Give the activity a title.'),
		v.trim(),
		v.nonEmpty('Give the activity a title.'),
		v.maxLength(200, 'Use at most 200 characters for a title.'),
		readableName
	),
	idnumber,
	description: v.optional(
		v.pipe(v.string(), v.trim(), v.maxLength(5000, 'Use at most 5,000 characters.')),
		''
	),
	type: v.optional(v.picklist(activityTypes, 'Unknown activity type.'), 'page'),
	dueAt: optionalDate,
	selfCompletion: v.optional(v.boolean(), true),
	maxScore: v.optional(
		v.nullable(
			v.pipe(
				v.number('The maximum score must be a number.'),
				v.minValue(0.000001, 'The maximum score must be above 0.'),
				v.maxValue(1000000, 'The maximum score is too large.')
			)
		),
		null
	),
	position: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100000)), 0),
	restrictedTo: v.optional(
		v.pipe(v.array(uuid), v.maxLength(50, 'Restrict to at most 50 groups.')),
		[]
	),
	restrictedToGroupings: v.optional(
		v.pipe(v.array(uuid), v.maxLength(50, 'Restrict to at most 50 groupings.')),
		[]
	),
	/** Open to members of any group of the course (learner groups aside). */
	restrictedToAnyGroup: v.optional(v.boolean('restrictedToAnyGroup is true or false.'), false),
	/**
	 * Which restrictions hide the activity entirely from those it is closed to (the others show
	 * it locked): group and grouping ids, and "anyGroup".
	 */
	hiddenWhenClosed: v.optional(
		v.pipe(
			v.array(
				v.union(
					[uuid, v.literal('anyGroup')],
					'Name a restricting group or grouping id, or anyGroup.'
				)
			),
			v.maxLength(101)
		),
		[]
	),
	/** The activity's own group mode; null takes the course's. */
	groupMode: v.optional(
		v.nullable(v.picklist(groupModes, 'The group mode is none, separate, visible or null.')),
		null
	),
	/** The grouping whose groups its group mode works with; null for every course group. */
	groupingId: v.optional(v.nullable(uuid), null)
};

export const activityCreate = v.strictObject(activityFields);
export type ActivityCreate = v.InferOutput<typeof activityCreate>;
export const activityUpdate = v.partial(v.strictObject(activityFields));

export const completionRecord = v.strictObject({
	userId: uuid,
	completed: v.optional(v.boolean(), true),
	score: v.optional(
		v.nullable(
			v.pipe(
				v.number('A score is a number.'),
				v.finite('A score is a number.'),
				v.minValue(-1000000, 'That score is out of range.'),
				v.maxValue(1000000, 'That score is out of range.')
			)
		),
		null
	)
});

export const learnerEventKinds = ['course_view', 'post'] as const;
export const learnerEvent = v.strictObject({
	kind: v.picklist(learnerEventKinds, 'Unknown event.'),
	courseId: uuid
});

/** One statement from an external system (xAPI-like, flattened). */
export const statement = v.pipe(
	v.strictObject({
		id: v.pipe(
			v.string('Give each statement an id.'),
			v.trim(),
			v.nonEmpty('Give each statement an id.'),
			v.maxLength(200, 'A statement id is at most 200 characters.')
		),
		actor: v.pipe(
			v.strictObject({
				email: v.optional(
					v.pipe(v.string(), v.trim(), v.toLowerCase(), v.email('Not an email address.'))
				),
				idnumber: v.optional(v.pipe(v.string(), v.trim(), v.nonEmpty(), v.maxLength(100)))
			}),
			v.check((a) => Boolean(a.email || a.idnumber), 'Name the actor by email or idnumber.')
		),
		activity: v.strictObject({
			idnumber: v.pipe(
				v.string('Name the activity by idnumber.'),
				v.trim(),
				v.nonEmpty('Name the activity by idnumber.'),
				v.maxLength(100)
			),
			course: v.optional(v.pipe(v.string(), v.trim(), v.nonEmpty(), v.maxLength(100)))
		}),
		verb: v.picklist(['completed', 'scored'], 'The verb is completed or scored.'),
		score: v.optional(
			v.pipe(
				v.number('A score is a number.'),
				v.finite(),
				v.minValue(-1000000),
				v.maxValue(1000000)
			)
		),
		timestamp: v.optional(
			v.pipe(
				v.string(),
				v.check((t) => !Number.isNaN(Date.parse(t)), 'The timestamp is not a date.'),
				v.transform((t) => new Date(t))
			)
		)
	}),
	v.check((s) => s.verb !== 'scored' || s.score !== undefined, 'A scored statement needs a score.')
);
export type Statement = v.InferOutput<typeof statement>;

export const MAX_STATEMENTS = 1000;

/** The envelope of an ingest batch; each statement is checked on its own and reported per index. */
export const statementBatch = v.strictObject({
	statements: v.pipe(v.array(v.unknown()), v.minLength(1), v.maxLength(MAX_STATEMENTS))
});
