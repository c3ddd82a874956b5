import { describe, expect, it } from 'vitest';
import { DomainError } from '$lib/server/errors';
import { parseCsv } from './csv';

function refusal(text: string): DomainError {
	try {
		parseCsv(text);
	} catch (error) {
		if (error instanceof DomainError) return error;
		throw error;
	}
	throw new Error('expected the file to be refused');
}

describe('parseCsv', () => {
	it('reads quoted fields with commas, doubled quotes and line breaks', () => {
		expect(parseCsv('email,role\r\n"a,b@x.test","say ""hi""\nthere"\r\n')).toEqual([
			{ line: 1, cells: ['email', 'role'] },
			{ line: 2, cells: ['a,b@x.test', 'say "hi"\nthere'] }
		]);
	});

	it('skips a byte-order mark and blank lines, keeps a last line without a newline, and numbers rows by their line in the file', () => {
		expect(parseCsv('\ufeffemail\n\n  \n"two\nlines"\r\nzoë@example.test')).toEqual([
			{ line: 1, cells: ['email'] },
			{ line: 4, cells: ['two\nlines'] },
			{ line: 6, cells: ['zoë@example.test'] }
		]);
	});

	it('reads old Mac line ends (CR only)', () => {
		expect(parseCsv('a\rb\r').map((row) => row.cells)).toEqual([['a'], ['b']]);
	});

	it('returns nothing for empty input', () => {
		expect(parseCsv('')).toEqual([]);
	});

	it.each([
		['an unterminated quote', 'name\nAlpha\n"Beta,x\nGamma\n', 3, 'a quoted field is never closed'],
		['a quote inside an unquoted field', 'name\nO"Brien\n', 2, 'a quote appears inside a field'],
		[
			'text after a closing quote',
			'name,n\n"Alpha"x,1\n',
			2,
			'a quoted field is followed by something other'
		]
	])('refuses %s with the line it starts on', (_what, text, line, reason) => {
		const error = refusal(text);
		expect(error.status).toBe(400);
		expect(error.message).toContain(`Line ${line} of the file cannot be read: ${reason}`);
		expect(error.message).toContain('Nothing was imported');
		expect(error.issues[0].path).toBe(`line ${line}`);
	});
});
