import * as v from 'valibot';
import { dateInRange, readableName, uuid } from './common';

export const visibilities = ['scope', 'members', 'own', 'hidden'] as const;
export const membershipModes = ['manual', 'open', 'request', 'invite', 'rule', 'sync'] as const;
export const groupRoles = ['member', 'leader'] as const;

const optionalText = (max: number, message: string) =>
	v.optional(v.pipe(v.string(), v.trim(), v.maxLength(max, message)), '');

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

const sizeLimit = v.optional(
	v.nullable(
		v.pipe(
			v.union([
				v.number(),
				v.pipe(
					v.string(),
					v.trim(),
					v.transform((s) => (s === '' ? null : Number(s)))
				)
			]),
			v.nullable(
				v.pipe(
					v.number('The size limit must be a number.'),
					v.integer('The size limit must be a whole number.'),
					v.minValue(1, 'The size limit must be at least 1.'),
					v.maxValue(100000, 'The size limit is at most 100,000.')
				)
			)
		)
	),
	null
);

const settings = {
	kind: v.optional(
		v.pipe(
			v.string(),
			v.trim(),
			v.toLowerCase(),
			v.nonEmpty('Choose a kind.'),
			v.maxLength(40, 'Use at most 40 characters for a kind.')
		),
		'group'
	),
	name: v.pipe(
		v.string('Name the group.'),
		v.trim(),
		v.nonEmpty('Name the group.'),
		v.maxLength(200, 'Use at most 200 characters for a name.'),
		readableName
	),
	idnumber,
	description: optionalText(5000, 'Use at most 5,000 characters.'),
	visibility: v.optional(
		v.picklist(visibilities, 'Visibility must be scope, members, own or hidden.'),
		'members'
	),
	membershipMode: v.optional(v.picklist(membershipModes, 'Unknown membership mode.'), 'manual'),
	sizeLimit,
	messagingEnabled: v.optional(v.boolean(), true),
	leadersManageMembers: v.optional(v.boolean(), true),
	leadersCreateSubgroups: v.optional(v.boolean(), true),
	leadersPostAnnouncements: v.optional(v.boolean(), true),
	leadersSeeProgress: v.optional(v.boolean(), true),
	leadersModerate: v.optional(v.boolean(), true)
};

/** A new group: at the top of a scope, or under a parent (whose scope it takes). */
export const groupCreate = v.strictObject({
	...settings,
	scope: v.optional(
		v.picklist(
			['platform', 'organisation', 'course'],
			'Scope must be platform, organisation or course.'
		)
	),
	organisationId: v.optional(v.nullable(uuid)),
	courseId: v.optional(v.nullable(uuid)),
	parentId: v.optional(v.nullable(uuid))
});
export type GroupCreate = v.InferOutput<typeof groupCreate>;

export const groupUpdate = v.partial(v.strictObject(settings));
export type GroupUpdate = v.InferOutput<typeof groupUpdate>;

export const groupMove = v.strictObject({ parentId: v.nullable(uuid) });

const validity = {
	validFrom: v.optional(
		v.nullable(
			v.pipe(
				v.string(),
				v.isoTimestamp('Use an ISO date and time for valid from.'),
				dateInRange<string>()
			)
		)
	),
	validUntil: v.optional(
		v.nullable(
			v.pipe(
				v.string(),
				v.isoTimestamp('Use an ISO date and time for valid until.'),
				dateInRange<string>()
			)
		)
	)
};

export const membersAdd = v.strictObject({
	userIds: v.optional(
		v.pipe(v.array(uuid), v.maxLength(5000, 'Add at most 5,000 people at a time.')),
		[]
	),
	/** Each checked on its own: a malformed one is named in the report's errors, the others added. */
	emails: v.optional(
		v.pipe(
			v.array(v.pipe(v.string('Each email is text.'), v.trim(), v.maxLength(320))),
			v.maxLength(5000, 'Add at most 5,000 people at a time.')
		),
		[]
	),
	role: v.optional(v.picklist(groupRoles, 'The role must be member or leader.'), 'member'),
	/** Course staff only: add them even past the member limit of the group's grouping. */
	overLimit: v.optional(v.boolean('overLimit must be true or false.'), false),
	...validity
});

export const membersSetRole = v.strictObject({
	userIds: v.pipe(v.array(uuid), v.minLength(1, 'Pick at least one person.'), v.maxLength(5000)),
	role: v.picklist(groupRoles, 'The role must be member or leader.')
});

export const membersRemove = v.strictObject({
	userIds: v.pipe(v.array(uuid), v.minLength(1, 'Pick at least one person.'), v.maxLength(5000))
});

export const courseLinkCreate = v.strictObject({
	groupId: uuid,
	courseRole: v.optional(
		v.picklist(
			['learner', 'assistant', 'instructor'],
			'The role must be learner, assistant or instructor.'
		),
		'learner'
	),
	/** An existing course group, 'new' for a new one named "<cohort> cohort", or none. */
	target: v.optional(v.union([uuid, v.literal('new'), v.literal('')]), ''),
	removalPolicy: v.optional(
		v.picklist(['suspend', 'unenrol'], 'On removal, choose suspend or unenrol.'),
		'suspend'
	)
});

/** Several groups linked in one step, all or none, with the same role, target and policy. */
export const courseLinksCreate = v.strictObject({
	groupIds: v.pipe(
		v.array(uuid, 'groupIds must be a list of group ids.'),
		v.minLength(1, 'Choose at least one group.'),
		v.maxLength(50, 'Link at most 50 groups at a time.')
	),
	courseRole: courseLinkCreate.entries.courseRole,
	target: courseLinkCreate.entries.target,
	removalPolicy: courseLinkCreate.entries.removalPolicy
});

export const courseLinkUpdate = v.strictObject({
	courseRole: v.optional(
		v.picklist(
			['learner', 'assistant', 'instructor'],
			'The role must be learner, assistant or instructor.'
		)
	),
	removalPolicy: v.optional(
		v.picklist(['suspend', 'unenrol'], 'On removal, choose suspend or unenrol.')
	),
	/**
	 * Where the link places its people: an existing course group, 'new' for a new one named
	 * "<cohort> cohort", or null (or '') for no course group. Left out: unchanged.
	 */
	target: v.optional(
		v.nullable(
			v.union(
				[uuid, v.literal('new'), v.literal('')],
				'The target must be a course group’s id, "new" or null.'
			)
		)
	)
});
