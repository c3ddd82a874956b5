import * as v from 'valibot';
import { readableName } from './common';

const title = v.pipe(
	v.string('Give the resource a title.'),
	v.trim(),
	v.nonEmpty('Give the resource a title.'),
	v.maxLength(200, 'Use at most 200 characters for the title.'),
	readableName
);

const description = v.optional(
	v.pipe(
		v.string(),
		v.trim(),
		v.maxLength(2000, 'Use at most 2,000 characters for the description.')
	),
	''
);

const folder = v.optional(
	v.pipe(
		v.string('The folder must be text.'),
		v.trim(),
		v.maxLength(100, 'Use at most 100 characters for a folder name.'),
		v.regex(/^[^/\\]*$/, 'A folder name cannot contain / or \\.')
	),
	''
);

/** Tags as an array or as one comma-separated string (a form field); trimmed, lower-cased, unique. */
const tags = v.optional(
	v.pipe(
		v.union(
			[v.string(), v.array(v.string('Each tag must be text.'))],
			'Send tags as a list or as text separated by commas.'
		),
		v.transform((value) => [
			...new Set(
				(Array.isArray(value) ? value : value.split(','))
					.map((tag) => tag.trim().toLowerCase())
					.filter(Boolean)
			)
		]),
		v.maxLength(20, 'Use at most 20 tags.'),
		v.check((list) => list.every((tag) => tag.length <= 40), 'Use at most 40 characters for a tag.')
	),
	[]
);

const url = v.pipe(
	v.string('Enter the link.'),
	v.trim(),
	v.nonEmpty('Enter the link.'),
	v.maxLength(2000, 'That link is too long (at most 2,000 characters).'),
	v.check((value) => {
		try {
			const parsed = new URL(value);
			return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && !/\s/.test(value);
		} catch {
			return false;
		}
	}, 'Enter a web link that starts with http:// or https://.')
);

export const linkCreate = v.strictObject({ title, description, folder, tags, url });
export type LinkCreate = v.InferOutput<typeof linkCreate>;

/** The details of an upload (the bytes come separately, as a stream). */
export const fileDetails = v.strictObject({
	title: v.optional(
		v.pipe(v.string(), v.trim(), v.maxLength(200, 'Use at most 200 characters for the title.')),
		''
	),
	description,
	folder,
	tags
});
export type FileDetails = v.InferOutput<typeof fileDetails>;

export const resourceUpdate = v.strictObject({ title, description, folder, tags });

export const resourceQuery = v.object({
	folder: v.optional(v.pipe(v.string(), v.maxLength(100)), undefined),
	tag: v.optional(v.pipe(v.string(), v.trim(), v.toLowerCase(), v.maxLength(40)), undefined),
	search: v.optional(
		v.pipe(v.string(), v.maxLength(200, 'Search with at most 200 characters.')),
		''
	)
});
