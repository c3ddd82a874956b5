import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { resetBlobStore } from '$lib/server/resources/blob-store';

// A real 1×1 PNG.
export const PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
	'base64'
);
export const PDF = Buffer.from(
	'%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n'
);

/** Each test file keeps its blobs and spooled uploads in folders of its own. */
export function useTemporaryBlobDirs() {
	const root = mkdtempSync(path.join(tmpdir(), 'tessera-blobs-'));
	process.env.BLOB_DIR = path.join(root, 'blobs');
	process.env.UPLOAD_TMP_DIR = path.join(root, 'spool');
	delete process.env.BLOB_STORE;
	resetBlobStore();
	return {
		root,
		/** Every file under the blob folder and the spool folder, relative to the root. */
		files(): string[] {
			try {
				return (
					readdirSync(root, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[]
				)
					.filter((entry) => entry.isFile())
					.map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
					.sort();
			} catch {
				return [];
			}
		},
		cleanup() {
			rmSync(root, { recursive: true, force: true });
		}
	};
}

export const streamOf = (bytes: Buffer | string) => Readable.from([Buffer.from(bytes)]);

/** A stream of `size` bytes of `fill` after `head`, made as it is read. */
export function generated(head: Buffer, size: number, fill = 0x41): Readable {
	let sent = 0;
	return new Readable({
		read() {
			if (sent >= size) {
				this.push(null);
				return;
			}
			const chunk =
				sent === 0
					? Buffer.concat([head, Buffer.alloc(Math.min(65536, size) - head.length, fill)])
					: Buffer.alloc(Math.min(65536, size - sent), fill);
			sent += chunk.length;
			this.push(chunk);
		}
	});
}
