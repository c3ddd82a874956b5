import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from './csv';

describe('parseCsv', () => {
	it('reads quoted fields with commas, doubled quotes and line breaks', () => {
		expect(parseCsv('email,role\r\n"a,b@x.test","say ""hi""\nthere"\r\n')).toEqual([
			['email', 'role'],
			['a,b@x.test', 'say "hi"\nthere']
		]);
	});

	it('skips a byte-order mark and blank lines, and keeps a last line without a newline', () => {
		expect(parseCsv('\ufeffemail\n\n  \nzoë@example.test')).toEqual([
			['email'],
			['zoë@example.test']
		]);
	});

	it('returns nothing for empty input', () => {
		expect(parseCsv('')).toEqual([]);
	});
});

describe('toCsv', () => {
	it('round-trips awkward values and defuses formulas', () => {
		const text = toCsv(['name', 'note'], [['O"Brien, Ann', '=SUM(A1)']]);
		expect(parseCsv(text)).toEqual([
			['name', 'note'],
			['O"Brien, Ann', "'=SUM(A1)"]
		]);
	});
});
