import { describe, expect, it } from 'vitest';
import { attachmentDisposition, safeFilename, sniff, SniffError } from './sniff';

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (value: string) => new TextEncoder().encode(value);

describe('sniff', () => {
	it('knows allowed types by their first bytes and serves them as the type they are', () => {
		expect(sniff(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), 'a.PNG').contentType).toBe(
			'image/png'
		);
		expect(sniff(bytes(0xff, 0xd8, 0xff, 0xe0), 'a.jpeg').contentType).toBe('image/jpeg');
		expect(sniff(text('%PDF-1.7'), 'a.pdf').contentType).toBe('application/pdf');
		expect(sniff(bytes(0x50, 0x4b, 0x03, 0x04), 'essay.docx').contentType).toMatch(
			/wordprocessingml/
		);
		expect(sniff(text('name,score\nAda,3\n'), 'scores.csv').contentType).toBe('text/csv');
		expect(sniff(text('Grüße 👋'), 'hello.txt').contentType).toBe('text/plain');
	});

	it('refuses markup however it is named, and content that does not match its name', () => {
		const refused = (head: Uint8Array, name: string) => {
			try {
				sniff(head, name);
			} catch (error) {
				return (error as SniffError).code;
			}
			return 'accepted';
		};
		expect(refused(text('<html><script>alert(1)</script>'), 'a.txt')).toBe('markup');
		expect(refused(text('  \n<svg onload=alert(1)>'), 'a.md')).toBe('markup');
		expect(refused(text('# hi\n<SCRIPT>x</SCRIPT>'), 'a.md')).toBe('markup');
		expect(refused(text('plain'), 'a.svg')).toBe('markup');
		expect(refused(text('plain'), 'a.HTML')).toBe('markup');
		expect(refused(text('%PDF-1.4'), 'a.png')).toBe('extension_mismatch');
		expect(refused(text('plain'), 'noextension')).toBe('extension_mismatch');
		expect(refused(bytes(0x4d, 0x5a, 0x90, 0x00), 'setup.exe')).toBe('unknown_type');
		expect(refused(text('a < b and c > d'), 'maths.txt')).toBe('accepted');
	});
});

describe('file names', () => {
	it('keeps ordinary names, unicode included, and refuses folders and control characters', () => {
		expect(safeFilename('  Café Übung.pdf ')).toBe('Café Übung.pdf');
		for (const name of [
			'../x.pdf',
			'..\\x.pdf',
			'a/b.pdf',
			'..',
			'.',
			'a\u0000.pdf',
			'a\n.pdf',
			'',
			' '
		]) {
			expect(() => safeFilename(name)).toThrow(SniffError);
		}
		expect(() => safeFilename(`${'é'.repeat(128)}.pdf`)).toThrow(/too long/);
	});

	it('sends names as attachment with an ASCII fallback that cannot break the header', () => {
		expect(attachmentDisposition('a "quoted"; name.pdf')).toBe(
			`attachment; filename="a _quoted__ name.pdf"; filename*=UTF-8''a%20%22quoted%22%3B%20name.pdf`
		);
	});
});
