import { describe, expect, it } from 'vitest';
import { byName, letterFor, nameFor, placesLabel, sampleNames } from './course-groups';

describe('group names from a pattern', () => {
	it('counts letters like spreadsheet columns', () => {
		expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(letterFor)).toEqual([
			'A',
			'B',
			'Z',
			'AA',
			'AB',
			'AZ',
			'BA',
			'ZZ',
			'AAA'
		]);
	});

	it('replaces @ with a letter and # with a number', () => {
		expect(nameFor('Group @', 0)).toBe('Group A');
		expect(nameFor('Lab #', 9)).toBe('Lab 10');
		expect(nameFor('@-team', 26)).toBe('AA-team');
	});

	it('replaces only the first placeholder', () => {
		expect(nameFor('Lab # (@)', 1)).toBe('Lab 2 (@)');
		expect(nameFor('Set @ #', 2)).toBe('Set C #');
	});

	it('samples the first names and the last one', () => {
		expect(sampleNames('Lab #', 2)).toBe('Lab 1, Lab 2');
		expect(sampleNames('Lab #', 4)).toBe('Lab 1, Lab 2, Lab 3, Lab 4');
		expect(sampleNames('Team @', 30)).toBe('Team A, Team B, Team C, …, Team AD');
		expect(sampleNames('No placeholder', 3)).toBe('');
		expect(sampleNames('Lab #', 0)).toBe('');
	});
});

describe('places left', () => {
	it('says how many places a group has left', () => {
		expect(placesLabel(3, 5)).toBe('2 places left');
		expect(placesLabel(4, 5)).toBe('1 place left');
		expect(placesLabel(5, 5)).toBe('Full');
		expect(placesLabel(7, 5)).toBe('Full');
		expect(placesLabel(7, null)).toBe('No limit');
	});
});

describe('group order', () => {
	it('puts Lab 2 before Lab 10 and ignores case', () => {
		const names = ['Lab 10', 'lab 1', 'Lab 2', 'Group B', 'Group A'].map((name) => ({ name }));
		expect(byName(names).map((group) => group.name)).toEqual([
			'Group A',
			'Group B',
			'lab 1',
			'Lab 2',
			'Lab 10'
		]);
	});
});
