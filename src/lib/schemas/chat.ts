import * as v from 'valibot';
import { readableName, uuid } from './common';

export const MAX_MESSAGE_LENGTH = 4000;
export const MAX_PAGE = 100;

const id = (label: string) =>
	v.pipe(v.string(`Give the ${label} id.`), v.uuid(`That is not a valid ${label} id.`));

/** A character that shows: not space, not a format character (zero-width space, joiners, BOM), not a blank filler. */
const VISIBLE = /[^\s\p{Cf}\p{Z}\u115F\u1160\u2800\u3164\uFFA0]/u;

export const body = v.pipe(
	v.string('Write a message.'),
	v.check((text) => VISIBLE.test(text), 'Write a message: it is empty.'),
	v.check(
		(text) => [...text].length <= MAX_MESSAGE_LENGTH,
		`A message is at most ${MAX_MESSAGE_LENGTH.toLocaleString('en')} characters.`
	)
);

const seq = v.pipe(
	v.number('The seq must be a number.'),
	v.integer('The seq must be a whole number.'),
	v.minValue(0, 'The seq cannot be negative.'),
	v.maxValue(Number.MAX_SAFE_INTEGER, 'The seq is too large.')
);

export const send = v.object({
	channelId: id('channel'),
	clientId: id('client message'),
	body,
	attachmentId: v.optional(v.nullable(uuid), null),
	/** A reply in the thread of this top-level message of the same channel. */
	threadRootId: v.optional(v.nullable(id('thread')), null),
	/** A reply also shown in the channel. */
	alsoInChannel: v.optional(v.boolean('Say whether to also send the reply to the channel.'), false)
});

/** A thread's replies after `afterSeq` (0: from its first), a page at a time. */
export const thread = v.object({
	rootId: id('thread'),
	afterSeq: v.optional(seq, 0),
	limit: v.optional(
		v.pipe(
			v.number('The limit must be a number.'),
			v.integer('The limit must be a whole number.'),
			v.minValue(1, 'The limit is at least 1.'),
			v.maxValue(200, 'The limit is at most 200.')
		),
		200
	)
});

export const follow = v.object({
	rootId: id('thread'),
	following: v.boolean('Say whether to follow the thread (true or false).')
});

const numberParam = (label: string, max: number) =>
	v.pipe(
		v.string(),
		v.regex(/^\d+$/, `${label} must be a whole number.`),
		v.transform(Number),
		v.maxValue(max, `${label} is at most ${max}.`)
	);

/** The query of `GET /api/v1/messages/{id}/replies`. */
export const threadQuery = v.strictObject({
	afterSeq: v.optional(numberParam('afterSeq', Number.MAX_SAFE_INTEGER)),
	limit: v.optional(numberParam('limit', 200))
});

/** The body of `PUT /api/v1/messages/{id}/follow`. */
export const followBody = v.strictObject({
	following: v.boolean('Say whether to follow the thread (true or false).')
});

export const edit = v.object({ messageId: id('message'), body });

export const messageRef = v.object({ messageId: id('message') });

export const reaction = v.object({
	messageId: id('message'),
	emoji: v.pipe(
		v.string('Pick an emoji.'),
		v.trim(),
		v.nonEmpty('Pick an emoji.'),
		v.maxLength(16, 'That reaction is too long.'),
		v.regex(/^\S+$/u, 'A reaction is one emoji, without spaces.')
	)
});

/** afterChange: the channel's change number the client last caught up to (edits, deletions, reactions). */
export const catchup = v.object({
	channelId: id('channel'),
	afterSeq: seq,
	afterChange: v.optional(seq)
});

export const history = v.object({
	channelId: id('channel'),
	beforeSeq: v.optional(v.nullable(seq), null),
	limit: v.optional(
		v.pipe(
			v.number('The limit must be a number.'),
			v.integer('The limit must be a whole number.'),
			v.minValue(1, 'The limit is at least 1.'),
			v.maxValue(MAX_PAGE, `The limit is at most ${MAX_PAGE}.`)
		),
		50
	)
});

export const search = v.object({
	channelId: id('channel'),
	query: v.pipe(
		v.string('Type something to search for.'),
		v.trim(),
		v.nonEmpty('Type something to search for.'),
		v.maxLength(200, 'Search for at most 200 characters.')
	)
});

export const markRead = v.object({ channelId: id('channel'), seq });

export const channelRef = v.object({ channelId: id('channel') });

export const groupRef = v.object({ groupId: id('group') });

export const channelName = v.pipe(
	v.string('Name the channel.'),
	v.trim(),
	v.toLowerCase(),
	v.transform((name) => name.replace(/\s+/g, '-')),
	v.nonEmpty('Name the channel.'),
	v.maxLength(40, 'A channel name is at most 40 characters.'),
	v.regex(
		/^[a-z0-9][a-z0-9_-]*$/,
		'Use lowercase letters, digits, - and _ in a channel name, starting with a letter or digit.'
	),
	readableName
);

export const createChannel = v.object({ name: channelName });
