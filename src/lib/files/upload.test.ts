import { describe, expect, it } from 'vitest';
import { fileProblem, sizeProblem } from './upload';

// What the chat composer and the library form refuse before sending a byte: the server's own
// rules (src/lib/files/sniff.ts), run on the file's first bytes in the browser.

const limits = { maxBytes: 1000, remainingBytes: 600 };
const PNG_HEAD = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
const png = (name: string, size = 100) =>
	new File([new Uint8Array([...PNG_HEAD, ...new Array(size - PNG_HEAD.length).fill(0)])], name);

describe('before an upload', () => {
	it('lets a real image with its own name go', async () => {
		expect(await fileProblem(png('photo.png'), limits)).toBeNull();
	});

	it('refuses an empty file, one over the limit and one over the storage left, by size alone', () => {
		expect(sizeProblem({ size: 0 }, limits)).toBe('That file is empty.');
		expect(sizeProblem({ size: 2000 }, limits)).toMatch(/upload at most 1000 B/);
		expect(sizeProblem({ size: 700 }, limits)).toMatch(/600 B of storage left/);
		expect(sizeProblem({ size: 600 }, limits)).toBeNull();
	});

	it('refuses a web page dressed as an image, from its first bytes', async () => {
		const page = new File(['<html><script>alert(1)</script></html>'], 'cat.png');
		expect(await fileProblem(page, limits)).toMatch(/web page \(HTML, SVG or XML\) markup/);
	});

	it('refuses an image under another name, a refused kind and an unknown binary', async () => {
		expect(await fileProblem(png('photo.pdf'), limits)).toMatch(/does not match its name/);
		expect(await fileProblem(new File(['x'], 'logo.svg'), limits)).toMatch(/\.svg files cannot/);
		const binary = new File([new Uint8Array([0, 1, 2, 3, 0xff, 0xfe, 0, 0])], 'blob.bin');
		expect(await fileProblem(binary, limits)).toMatch(/cannot be shared/);
	});

	it('refuses a name with folders in it and an over-long name, in words', async () => {
		expect(await fileProblem(new File(['hello'], '../notes.txt'), limits)).toMatch(/folders/);
		expect(await fileProblem(new File(['hello'], `${'é'.repeat(130)}.txt`), limits)).toMatch(
			/too long/
		);
	});
});
