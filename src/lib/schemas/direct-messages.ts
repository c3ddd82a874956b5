import * as v from 'valibot';
import { body } from './chat';

/** A conversation has at most this many people, the starter included (the database says the same). */
export const MAX_CONVERSATION_PEOPLE = 8;

const personId = v.pipe(
	v.string('Give each person as an id.'),
	v.uuid('That is not a valid person id.')
);

/** `{ "userIds": [...] }`: the other people (1 to 7); the caller is always in it. */
export const start = v.strictObject(
	{
		userIds: v.pipe(
			v.array(personId, 'Send the people as a list of ids.'),
			v.minLength(1, 'Choose at least one other person.'),
			v.maxLength(
				MAX_CONVERSATION_PEOPLE - 1,
				`A conversation has at most ${MAX_CONVERSATION_PEOPLE} people, you included.`
			)
		)
	},
	(issue) => `Unknown field "${String(issue.path?.at(-1)?.key ?? '')}": send only userIds.`
);

/** A message sent through the JSON API: the client id makes a retry return the same message. */
export const send = v.strictObject(
	{
		clientId: v.pipe(
			v.string('Give a client id (a UUID you make) so a retry is not stored twice.'),
			v.uuid('The client id must be a UUID.')
		),
		body,
		/** A file uploaded into the conversation (POST …/files) to send with the message. */
		attachmentId: v.optional(
			v.nullable(
				v.pipe(
					v.string('Give the attachment as the id of a file uploaded to this conversation.'),
					v.uuid('The attachment id must be a UUID.')
				)
			),
			null
		)
	},
	(issue) =>
		`Unknown field "${String(issue.path?.at(-1)?.key ?? '')}": send clientId, body and optionally attachmentId.`
);

/** `?before=<seq>&limit=` for a page of history. */
export const historyQuery = v.object({
	before: v.optional(
		v.pipe(
			v.string(),
			v.regex(/^\d{1,15}$/, 'before is a message seq (a whole number).'),
			v.transform(Number)
		)
	),
	limit: v.optional(
		v.pipe(
			v.string(),
			v.regex(/^\d{1,3}$/, 'limit is a whole number from 1 to 100.'),
			v.transform(Number),
			v.minValue(1, 'limit is a whole number from 1 to 100.'),
			v.maxValue(100, 'limit is a whole number from 1 to 100.')
		)
	)
});

/** `?q=`: part of a name (1 to 100 characters), for the "New conversation" search. */
export const contactsQuery = v.object({
	q: v.pipe(
		v.string('Type part of a name to search for (q).'),
		v.trim(),
		v.minLength(1, 'Type part of a name to search for (q).'),
		v.maxLength(100, 'Search with at most 100 characters.'),
		v.check(
			(value) => /[\p{L}\p{N}]/u.test(value),
			'Type part of a name to search for (q): letters or digits.'
		)
	)
});
