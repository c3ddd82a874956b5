import * as v from 'valibot';
import { readableName } from './common';

/** Restoring a binned grouping: optionally under a new name (when a live set took its name). */
export const groupingRestore = v.strictObject({
	name: v.optional(
		v.pipe(
			v.string('Name the grouping.'),
			v.trim(),
			v.maxLength(200, 'Use at most 200 characters for a name.'),
			readableName
		)
	)
});
export type GroupingRestore = v.InferOutput<typeof groupingRestore>;
