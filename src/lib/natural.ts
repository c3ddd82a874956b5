/**
 * Natural order for names people read ("Tutorial 2" before "Tutorial 10", case and accents
 * second), the browser's and the server's twin of the database's `collate public.natural`
 * (ICU, und-u-kn-true): for lists sorted or merged outside SQL.
 */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function naturalCompare(a: string, b: string): number {
	return collator.compare(a, b);
}
