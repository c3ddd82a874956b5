import * as v from 'valibot';
import { uuid } from './common';

/** What a person can be notified of, in the order the settings page lists them. */
export const NOTIFICATION_KINDS = [
	'mention',
	'thread_reply',
	'direct_message',
	'announcement',
	'course_message',
	'membership_added',
	'membership_removed',
	'join_request_decided',
	'signup_result'
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const DELIVERIES = ['in_app', 'email', 'digest', 'off'] as const;
export type Delivery = (typeof DELIVERIES)[number];

export const KIND_LABELS: Record<NotificationKind, string> = {
	mention: 'Mentions of you',
	thread_reply: 'Replies in threads you follow',
	direct_message: 'Direct messages',
	announcement: 'Announcements',
	course_message: 'Messages from course teams',
	membership_added: 'Added to a group',
	membership_removed: 'Removed from a group',
	join_request_decided: 'Your join requests decided',
	signup_result: 'Your group sign-ups'
};

export const DELIVERY_LABELS: Record<Delivery, string> = {
	in_app: 'In the app only',
	email: 'Email at once',
	digest: 'Daily email digest',
	off: 'Off'
};

/**
 * The choices each kind offers. A course team's message is always emailed by the message itself
 * (the database holds the same rule), so only its inbox entry is a choice.
 */
export function choicesFor(kind: NotificationKind): readonly Delivery[] {
	return kind === 'course_message' ? ['in_app', 'off'] : DELIVERIES;
}

const delivery = v.picklist(DELIVERIES, 'Choose in_app, email, digest or off.');

/** `{ "mention": "digest", … }`: the kinds to change; an unknown kind is named. */
export const preferencesUpdate = v.pipe(
	v.strictObject(
		Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, v.optional(delivery)])) as Record<
			NotificationKind,
			v.OptionalSchema<typeof delivery, undefined>
		>,
		(issue) =>
			`Unknown notification kind "${String(issue.input === undefined ? issue.expected : (issue.path?.at(-1)?.key ?? ''))}": use ${NOTIFICATION_KINDS.join(', ')}.`
	),
	v.check(
		(input) =>
			Object.entries(input).every(
				([kind, value]) =>
					value === undefined || choicesFor(kind as NotificationKind).includes(value)
			),
		'Messages from course teams are always emailed; choose in_app or off for them.'
	)
);

/** `{ "ids": [...] }` or `{ "all": true }`: one closed object, so an unknown field is named. */
export const markRead = v.pipe(
	v.strictObject({
		all: v.optional(v.literal(true, 'Send "all": true to mark everything read.')),
		ids: v.optional(
			v.pipe(
				v.array(uuid, 'Send the ids of the notifications as a list.'),
				v.minLength(1, 'Send at least one notification id.'),
				v.maxLength(200, 'Mark at most 200 notifications at a time.')
			)
		)
	}),
	v.check(
		(input) => (input.all === true) !== (input.ids !== undefined),
		'Send { "ids": [notification ids] } or { "all": true }.'
	)
);

export const listQuery = v.strictObject({
	limit: v.optional(
		v.pipe(
			v.string(),
			v.transform(Number),
			v.integer('The limit must be a whole number.'),
			v.minValue(1, 'The limit must be at least 1.'),
			v.maxValue(100, 'The limit must be at most 100.')
		)
	),
	before: v.optional(uuid),
	unread: v.optional(v.picklist(['true', 'false'], 'unread must be true or false.'))
});
