import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md §1.7: a rule the database holds is not written again in TypeScript. Memberships valid
 * now come from public.current_memberships / effective_members / unexpired_memberships, and every
 * permission from its SQL function (public.may_*, public.*_capabilities), never from an inline
 * `is_platform_admin() or …`.
 */
const restatements: { rule: string; pattern: RegExp; instead: string }[] = [
	{
		rule: 'membership validity',
		pattern: /valid_until\s*>\s*(now\(\)|current_timestamp)/gi,
		instead: 'public.current_memberships (or unexpired_memberships)'
	},
	{
		rule: 'membership validity',
		pattern: /valid_from\s*<=\s*(now\(\)|current_timestamp)/gi,
		instead: 'public.current_memberships'
	},
	{
		rule: 'platform admins hold every permission',
		// Also across a line break: `(select private.is_platform_admin())\n or …`.
		pattern: /is_platform_admin\(\)\)?\s*or\b/gi,
		instead: 'the permission’s public.may_* function or public.*_capabilities'
	}
];

const root = path.resolve(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return sources(full);
		if (!/\.(ts|js|svelte)$/.test(entry.name) || /\.test\.ts$/.test(entry.name)) return [];
		return [full];
	});
}

function findRestatements(text: string) {
	return restatements
		.flatMap(({ rule, pattern, instead }) =>
			[...text.matchAll(pattern)].map((match) => ({
				line: text.slice(0, match.index).split('\n').length,
				rule,
				instead
			}))
		)
		.sort((a, b) => a.line - b.line);
}

describe('one rule, one place', () => {
	it('recognises the restatements it looks for', () => {
		const old = [
			'where m.user_id = ${userId} and m.valid_from <= now() and m.valid_until > now()',
			'where group_id = ${groupId} and valid_until > now()`;',
			'((select private.is_platform_admin()) or g.id in (select private.managed_group_ids()))',
			'select ((select private.is_platform_admin())',
			'        or ${groupId}::uuid = any(private.announcer_group_ids_array())) as "canPost"',
			'where id = ${userId} and (select private.is_platform_admin())'
		].join('\n');
		expect(findRestatements(old).map((hit) => [hit.line, hit.rule])).toEqual([
			[1, 'membership validity'],
			[1, 'membership validity'],
			[2, 'membership validity'],
			[3, 'platform admins hold every permission'],
			[4, 'platform admins hold every permission']
		]);
	});

	it('finds the validity test in the schema only where the membership views define it', () => {
		const dir = path.join(root, 'supabase', 'schemas');
		const files = readdirSync(dir).filter((name) => name.endsWith('.sql'));
		expect(files.length).toBeGreaterThan(5);
		const hits = files
			.filter((name) => name !== '05_memberships.sql')
			.flatMap((name) =>
				findRestatements(
					readFileSync(path.join(dir, name), 'utf8')
						// The membership sweep asks what started since its last run: a change, not validity.
						.replace(/valid_from > since and valid_from <= now\(\)/g, '')
				)
					.filter((hit) => hit.rule === 'membership validity')
					.map((hit) => `supabase/schemas/${name}:${hit.line} (use ${hit.instead})`)
			);
		expect(hits).toEqual([]);
	});

	it('finds no TypeScript under src/ that restates a rule the database holds', () => {
		const files = sources(path.join(root, 'src'));
		expect(files.length).toBeGreaterThan(50);
		const hits = files.flatMap((file) =>
			findRestatements(readFileSync(file, 'utf8')).map(
				(hit) => `${path.relative(root, file)}:${hit.line}: ${hit.rule} (use ${hit.instead})`
			)
		);
		expect(hits).toEqual([]);
	});
});
