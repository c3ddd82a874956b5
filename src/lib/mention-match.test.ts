import { describe, expect, it } from 'vitest';
import { foldMention, matchMentionables, mentionQueryAt } from './mention-match';

const people = [
	{ id: '1', displayName: 'Inès Moreau' },
	{ id: '2', displayName: 'Maya Zhang' },
	{ id: '3', displayName: 'Ingrid Nilsen' },
	{ id: '4', displayName: 'Zoë Martín' }
];

describe('mention matching', () => {
	it('folds case and accents as the database does', () => {
		expect(foldMention('Inès MOREAU')).toBe('ines moreau');
		expect(foldMention('Zoë Martín')).toBe('zoe martin');
		// Decomposed input folds the same as precomposed.
		expect(foldMention('Ine\u0300s')).toBe('ines');
	});

	it('finds "@ines" and "@INÈS" as Inès Moreau, prefix matches first', () => {
		expect(matchMentionables(people, 'ines').map((p) => p.displayName)).toEqual(['Inès Moreau']);
		expect(matchMentionables(people, 'INÈS').map((p) => p.displayName)).toEqual(['Inès Moreau']);
		expect(matchMentionables(people, 'in').map((p) => p.displayName)).toEqual([
			'Inès Moreau',
			'Ingrid Nilsen',
			'Zoë Martín'
		]);
		expect(matchMentionables(people, 'martin').map((p) => p.displayName)).toEqual(['Zoë Martín']);
	});

	it('offers @channel only when allowed, and leaves out the writer', () => {
		expect(matchMentionables(people, 'c', { canMentionChannel: true })[0].channel).toBe(true);
		expect(matchMentionables(people, 'c').some((option) => option.channel)).toBe(false);
		expect(matchMentionables(people, '', { excludeId: '2' }).map((p) => p.id)).toEqual([
			'1',
			'3',
			'4'
		]);
	});

	it('reads the query being typed at the caret', () => {
		expect(mentionQueryAt('Hello @in', 9)).toEqual({ start: 6, query: 'in' });
		expect(mentionQueryAt('@', 1)).toEqual({ start: 0, query: '' });
		expect(mentionQueryAt('Hello @Inès Mo', 14)).toEqual({ start: 6, query: 'Inès Mo' });
		expect(mentionQueryAt('mail me@example', 15)).toBeNull();
		expect(mentionQueryAt('@ines\nnext', 10)).toBeNull();
		expect(mentionQueryAt('no at sign', 5)).toBeNull();
	});
});
