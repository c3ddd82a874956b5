import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Svelte 5 drops whitespace at the start and end of an element's text, so a word joined to its
// screen-reader-only part by a space inside the span ("3<span class="sr-only"> unread</span>") is
// read as "3unread". The space goes before the span instead.

function svelteFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return svelteFiles(full);
		return entry.name.endsWith('.svelte') ? [full] : [];
	});
}

describe('screen-reader-only words', () => {
	it('are never joined to the visible word by a space Svelte would drop', () => {
		const joined = svelteFiles('src').flatMap((file) =>
			[...readFileSync(file, 'utf8').matchAll(/[^\s>]<span class="sr-only"[^>]*>\s/g)].map(
				(match) => `${file}: ${match[0].trim()}`
			)
		);
		expect(joined).toEqual([]);
	});
});
