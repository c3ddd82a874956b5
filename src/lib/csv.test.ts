import { describe, expect, it } from 'vitest';
import { parseCsv } from '$lib/server/csv';
import { toCsv } from './csv';

describe('toCsv', () => {
	it('round-trips awkward values and defuses formulas', () => {
		const text = toCsv(['name', 'note'], [['O"Brien, Ann', '=SUM(A1)']]);
		expect(parseCsv(text).map((row) => row.cells)).toEqual([
			['name', 'note'],
			['O"Brien, Ann', "'=SUM(A1)"]
		]);
	});
});
