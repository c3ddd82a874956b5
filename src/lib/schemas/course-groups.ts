import * as v from 'valibot';
import { dateInRange, readableName, uuid } from './common';

export const groupModes = ['none', 'separate', 'visible'] as const;
export type GroupMode = (typeof groupModes)[number];

export const autoLeaders = ['none', 'first', 'random'] as const;
export type AutoLeader = (typeof autoLeaders)[number];

/** A boolean from JSON (true/false) or a form field ('on', 'true', 'false', ''). */
export const flag = (fallback: boolean) =>
	v.optional(
		v.pipe(
			v.union(
				[v.boolean(), v.picklist(['on', 'true', 'false', '1', '0', ''])],
				'Use true or false.'
			),
			v.transform((value) =>
				typeof value === 'boolean' ? value : value === 'on' || value === 'true' || value === '1'
			)
		),
		fallback
	);

/** A whole number from JSON or a form field. */
const wholeNumber = (label: string, min: number, max: number) =>
	v.pipe(
		v.union(
			[v.number(), v.pipe(v.string(), v.trim(), v.nonEmpty(`Enter ${label}.`))],
			`Enter ${label}.`
		),
		v.transform(Number),
		v.number(`${label[0].toUpperCase()}${label.slice(1)} must be a number.`),
		v.integer(`${label[0].toUpperCase()}${label.slice(1)} must be a whole number.`),
		v.minValue(min, `${label[0].toUpperCase()}${label.slice(1)} must be at least ${min}.`),
		v.maxValue(
			max,
			`${label[0].toUpperCase()}${label.slice(1)} is at most ${max.toLocaleString('en')}.`
		)
	);

const optionalNumber = (label: string, min: number, max: number) =>
	v.optional(
		v.pipe(
			v.union([v.null(), v.literal(''), wholeNumber(label, min, max)]),
			v.transform((value) => (value === '' ? null : value))
		),
		null
	);

const name = (what: string) =>
	v.pipe(
		v.string(`Name the ${what}.`),
		v.trim(),
		v.nonEmpty(`Name the ${what}.`),
		v.maxLength(200, 'Use at most 200 characters for a name.'),
		readableName
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

const description = v.optional(
	v.pipe(v.string(), v.trim(), v.maxLength(5000, 'Use at most 5,000 characters.')),
	''
);

/** A date and time (ISO, or the value of an <input type="datetime-local">), or empty for none. */
export const optionalDate = (label: string) =>
	v.optional(
		v.pipe(
			v.union([v.null(), v.string(`${label} must be a date and time.`), v.date()]),
			v.transform((value) => {
				if (value === null || value === '') return null;
				return value instanceof Date ? value : new Date(value.trim());
			}),
			v.nullable(v.date()),
			v.check(
				(value) => value === null || !Number.isNaN(value.getTime()),
				`${label} must be a date and time, like 2026-11-30T09:00.`
			),
			dateInRange<Date | null>()
		),
		null
	);

export const groupingCreate = v.strictObject({
	name: name('grouping'),
	idnumber,
	description,
	exclusive: flag(false)
});
export type GroupingCreate = v.InferOutput<typeof groupingCreate>;

export const groupingUpdate = v.partial(
	v.strictObject({ name: name('grouping'), idnumber, description, exclusive: flag(false) })
);

export const groupIds = v.pipe(
	v.array(uuid, 'Choose the groups.'),
	v.minLength(1, 'Choose at least one group.'),
	v.maxLength(5000, 'Choose at most 5,000 groups at a time.')
);

export const signupSettings = v.pipe(
	v.strictObject({
		open: flag(false),
		sizeLimit: optionalNumber('the size limit', 1, 100000),
		opensAt: optionalDate('The opening date'),
		closesAt: optionalDate('The closing date'),
		autoLeader: v.optional(
			v.picklist(autoLeaders, 'The automatic leader must be none, first or random.'),
			'none'
		)
	}),
	v.check(
		(value) => !value.opensAt || !value.closesAt || value.closesAt > value.opensAt,
		'Sign-up must close after it opens.'
	)
);
export type SignupSettings = v.InferOutput<typeof signupSettings>;

export const autoCreateOptions = v.strictObject({
	by: v.picklist(
		['groups', 'members'],
		'Create groups by number of groups or by members per group.'
	),
	count: wholeNumber('the number', 1, 5000),
	naming: v.pipe(
		v.string('Give a naming scheme, like "Group @" or "Lab #".'),
		v.trim(),
		v.nonEmpty('Give a naming scheme, like "Group @" or "Lab #".'),
		v.maxLength(150, 'Use at most 150 characters for the naming scheme.'),
		v.regex(/[@#]/, 'The naming scheme needs an @ (A, B, C…) or a # (1, 2, 3…).'),
		readableName
	),
	allocation: v.optional(
		v.picklist(
			['random', 'alphabetical', 'none'],
			'Allocate randomly, alphabetically or not at all.'
		),
		'random'
	),
	seed: optionalNumber('the seed', 1, 2_147_483_647),
	preventLastSmall: flag(false),
	ignore: v.optional(
		v.union(
			[v.picklist(['none', 'course']), v.strictObject({ groupingId: uuid })],
			'Ignore none, course, or { groupingId }.'
		),
		'none'
	),
	source: v.optional(
		v.union(
			[
				v.strictObject({
					role: v.picklist(
						['learner', 'assistant', 'instructor'],
						'The role must be learner, assistant or instructor.'
					)
				}),
				v.strictObject({ groupId: uuid }),
				v.strictObject({ groupingId: uuid }),
				v.strictObject({ cohortId: uuid })
			],
			'Choose members from a role, a group, a grouping or a cohort.'
		),
		{ role: 'learner' as const }
	),
	includeInactive: flag(false),
	grouping: v.optional(
		v.nullable(
			v.union(
				[v.strictObject({ name: name('grouping') }), v.strictObject({ id: uuid })],
				'Put the groups in a new grouping ({ name }) or an existing one ({ id }).'
			)
		),
		null
	),
	messaging: flag(true)
});
export type AutoCreateOptions = v.InferOutput<typeof autoCreateOptions>;

/** Overview filters: a grouping or "none" (groups in no grouping), a group or "none" (people in no group). */
export const overviewFilters = v.object({
	groupingId: v.optional(
		v.union([uuid, v.literal(''), v.literal('none')], 'That is not a valid grouping id.')
	),
	groupId: v.optional(
		v.union([uuid, v.literal(''), v.literal('none')], 'That is not a valid group id.')
	)
});

export const groupMode = v.picklist(
	groupModes,
	'The group mode must be none, separate or visible.'
);

/** Participant list filters by group: Any, All or None of the groups, and "No group". */
export const participantGroupFilter = {
	groupIds: v.optional(
		v.pipe(
			v.union([v.array(uuid), v.string()]),
			v.transform((value) =>
				Array.isArray(value)
					? value
					: value
							.split(',')
							.map((id) => id.trim())
							.filter(Boolean)
			),
			v.array(uuid, 'That is not a valid group id.'),
			v.maxLength(100, 'Filter by at most 100 groups.')
		),
		[]
	),
	match: v.optional(
		v.picklist(['any', 'all', 'none'], 'Match any, all or none of the groups.'),
		'any'
	),
	noGroup: flag(false)
};

/** A bulk action on the participants list: add the chosen people to a group, or take them out. */
export const participantsGroupAction = v.strictObject({
	action: v.picklist(['add', 'remove'], 'The action is add or remove.'),
	groupId: uuid,
	userIds: v.pipe(
		v.array(uuid, 'That is not a valid user id.'),
		v.minLength(1, 'Choose at least one person.'),
		v.maxLength(5000, 'Choose at most 5,000 people at a time.')
	)
});
