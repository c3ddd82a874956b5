import * as v from 'valibot';
import { DomainError } from './errors';

/** Parses untrusted input, or throws a 400 that lists every problem by field. */
export function parse<TSchema extends v.GenericSchema>(schema: TSchema, input: unknown): v.InferOutput<TSchema> {
	const result = v.safeParse(schema, input);
	if (result.success) return result.output;
	const issues = result.issues.map((issue) => ({
		path: issue.path?.map((item) => String(item.key)).join('.') || undefined,
		message: issue.message
	}));
	throw new DomainError(400, 'invalid_input', issues[0]?.message ?? 'The input is not valid.', issues);
}
