import * as v from 'valibot';
import { dateInRange, readableName } from './common';

/** A checkbox from a form ('on' or absent) or a JSON boolean. */
export const flag = v.optional(
	v.pipe(
		v.union(
			[v.boolean(), v.picklist(['on', 'true', 'false', ''])],
			'Send true or false for a yes/no field.'
		),
		v.transform((value) => value === true || value === 'on' || value === 'true')
	),
	false
);

/** An ISO date-time (or a form's datetime-local, read as UTC unless it names its offset), or nothing. */
const publishAt = v.optional(
	v.pipe(
		v.union([v.string(), v.null()], 'Send publishAt as an ISO date and time.'),
		v.transform((value) => (value === null || value.trim() === '' ? null : value.trim())),
		v.nullable(
			v.pipe(
				v.string(),
				v.maxLength(40, 'Send publishAt as an ISO date and time.'),
				v.transform((value) => new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`)),
				v.check((date) => !Number.isNaN(date.getTime()), 'publishAt is not a valid date and time.'),
				dateInRange<Date>()
			)
		)
	),
	null
);

const title = v.pipe(
	v.string('Give the announcement a title.'),
	v.trim(),
	v.nonEmpty('Give the announcement a title.'),
	v.maxLength(200, 'Use at most 200 characters for the title.'),
	readableName
);

const body = v.pipe(
	v.string('Write the announcement.'),
	v.trim(),
	v.nonEmpty('Write the announcement.'),
	v.maxLength(10000, 'Use at most 10,000 characters for an announcement.')
);

export const announcementCreate = v.strictObject({
	title,
	body,
	includeSubgroups: flag,
	pinned: flag,
	publishAt
});
export type AnnouncementCreate = v.InferOutput<typeof announcementCreate>;

export const announcementPin = v.strictObject({ pinned: flag });

/**
 * An edit: a new title or text (an announcement that has gone out shows "edited"), for one still
 * scheduled a new time, and pinned or not. At least one of them.
 */
export const announcementEdit = v.pipe(
	v.strictObject({
		title: v.optional(title),
		body: v.optional(body),
		publishAt: v.optional(
			v.pipe(
				publishAt,
				v.check((date) => date !== null, 'Choose the new publishing time.')
			)
		),
		pinned: v.optional(v.boolean('Send pinned as true or false.'))
	}),
	v.check(
		(edit) => Object.values(edit).some((value) => value !== undefined),
		'Send a new title, body, publishAt or pinned.'
	)
);
export type AnnouncementEdit = v.InferOutput<typeof announcementEdit>;
