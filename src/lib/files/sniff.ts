/**
 * Shared by the server (which decides) and the browser (which refuses a bad file before sending
 * its bytes), so both apply the same rules.
 *
 * What a file is, by its bytes (magic numbers), against an allowlist. The name's extension must
 * agree with the content, so a script renamed .png, or a PNG renamed .html, is refused. Web pages,
 * SVG and XML are refused outright: a browser may run the scripts inside them.
 */

export type Sniffed = { contentType: string; family: Family };
type Family =
	| 'png'
	| 'jpeg'
	| 'gif'
	| 'webp'
	| 'pdf'
	| 'zip'
	| 'ole'
	| 'mp3'
	| 'mp4'
	| 'ogg'
	| 'wav'
	| 'webm'
	| 'text';

/** Allowed extensions per family, with the content type each is served as. */
const EXTENSIONS: Record<Family, Record<string, string>> = {
	png: { png: 'image/png' },
	jpeg: { jpg: 'image/jpeg', jpeg: 'image/jpeg' },
	gif: { gif: 'image/gif' },
	webp: { webp: 'image/webp' },
	pdf: { pdf: 'application/pdf' },
	zip: {
		zip: 'application/zip',
		docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
		xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
		pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
		odt: 'application/vnd.oasis.opendocument.text',
		ods: 'application/vnd.oasis.opendocument.spreadsheet',
		odp: 'application/vnd.oasis.opendocument.presentation',
		epub: 'application/epub+zip'
	},
	ole: {
		doc: 'application/msword',
		xls: 'application/vnd.ms-excel',
		ppt: 'application/vnd.ms-powerpoint'
	},
	mp3: { mp3: 'audio/mpeg' },
	mp4: { mp4: 'video/mp4', m4a: 'audio/mp4', m4v: 'video/mp4', mov: 'video/quicktime' },
	ogg: { ogg: 'audio/ogg', oga: 'audio/ogg', ogv: 'video/ogg', opus: 'audio/ogg' },
	wav: { wav: 'audio/wav' },
	webm: { webm: 'video/webm' },
	text: {
		txt: 'text/plain',
		md: 'text/markdown',
		markdown: 'text/markdown',
		csv: 'text/csv',
		tsv: 'text/tab-separated-values',
		json: 'application/json',
		log: 'text/plain',
		tex: 'text/plain',
		bib: 'text/plain',
		py: 'text/plain',
		r: 'text/plain',
		java: 'text/plain',
		c: 'text/plain',
		h: 'text/plain',
		cpp: 'text/plain',
		sql: 'text/plain',
		yaml: 'text/plain',
		yml: 'text/plain'
	}
};

/** Raster images a browser shows safely in an <img>: these get a preview. */
export const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** How many leading bytes sniffing needs. */
export const SNIFF_BYTES = 4096;

const REFUSED_EXTENSIONS = new Set([
	'html',
	'htm',
	'xhtml',
	'shtml',
	'svg',
	'svgz',
	'xml',
	'xsl',
	'xslt',
	'mht',
	'mhtml',
	'js',
	'mjs',
	'swf'
]);

export class SniffError extends Error {
	constructor(
		readonly code: 'markup' | 'unknown_type' | 'extension_mismatch',
		message: string
	) {
		super(message);
	}
}

const starts = (head: Uint8Array, bytes: number[], offset = 0) =>
	bytes.every((byte, index) => head[offset + index] === byte);
const ascii = (head: Uint8Array, text: string, offset = 0) =>
	starts(
		head,
		[...text].map((char) => char.charCodeAt(0)),
		offset
	);

function binaryFamily(head: Uint8Array): Family | null {
	if (starts(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
	if (starts(head, [0xff, 0xd8, 0xff])) return 'jpeg';
	if (ascii(head, 'GIF87a') || ascii(head, 'GIF89a')) return 'gif';
	if (ascii(head, 'RIFF') && ascii(head, 'WEBP', 8)) return 'webp';
	if (ascii(head, 'RIFF') && ascii(head, 'WAVE', 8)) return 'wav';
	if (ascii(head, '%PDF-')) return 'pdf';
	if (starts(head, [0x50, 0x4b, 0x03, 0x04]) || starts(head, [0x50, 0x4b, 0x05, 0x06])) {
		return 'zip';
	}
	if (starts(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole';
	if (ascii(head, 'ID3') || (head[0] === 0xff && (head[1] & 0xe0) === 0xe0)) return 'mp3';
	if (ascii(head, 'ftyp', 4)) return 'mp4';
	if (ascii(head, 'OggS')) return 'ogg';
	if (starts(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'webm';
	return null;
}

// What browsers treat as HTML or XML when they sniff (WHATWG MIME sniffing), and script carriers.
const MARKUP =
	/<(?:!doctype|html|head|body|script|svg|iframe|frame|object|embed|applet|style|meta|base|form|math|\?xml|xsl)[\s/>:]/i;

function isText(head: Uint8Array): boolean {
	for (const byte of head) {
		// NUL and most C0 controls do not occur in text; tab, newlines, form feed and ESC may.
		if (byte < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d, 0x1b].includes(byte)) return false;
	}
	try {
		// The head may end inside a multi-byte character: decode in streaming mode.
		new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
		return true;
	} catch {
		return false;
	}
}

export function extensionOf(filename: string): string {
	const dot = filename.lastIndexOf('.');
	return dot > 0 ? filename.slice(dot + 1).toLowerCase() : '';
}

/** The type of a file from its first SNIFF_BYTES bytes and its (already safe) name. */
export function sniff(head: Uint8Array, filename: string): Sniffed {
	const extension = extensionOf(filename);
	if (REFUSED_EXTENSIONS.has(extension)) {
		throw new SniffError(
			'markup',
			`.${extension} files cannot be shared: a browser could run scripts in them. Share a PDF, an image or a text file instead.`
		);
	}
	let family = binaryFamily(head);
	if (!family) {
		if (!isText(head)) {
			throw new SniffError(
				'unknown_type',
				'This kind of file cannot be shared. Share documents (PDF, Word, Excel, PowerPoint, OpenDocument), images (PNG, JPEG, GIF, WebP), audio, video, ZIP or plain text.'
			);
		}
		const text = new TextDecoder().decode(head.subarray(0, 1024)).replace(/^\uFEFF/, '');
		if (/^\s*</.test(text) || MARKUP.test(text)) {
			throw new SniffError(
				'markup',
				'This file contains web page (HTML, SVG or XML) markup, which could run scripts in a browser. Share it as a PDF or as a ZIP instead.'
			);
		}
		family = 'text';
	}
	const contentType = EXTENSIONS[family][extension];
	if (!contentType) {
		const allowed = Object.keys(EXTENSIONS[family])
			.map((ext) => `.${ext}`)
			.join(', ');
		throw new SniffError(
			'extension_mismatch',
			`The file's content does not match its name${extension ? ` (.${extension})` : ''}: this content can be shared as ${allowed}.`
		);
	}
	return { contentType, family };
}

/**
 * A file name safe to store and to send back in Content-Disposition. Names with folder parts
 * (`/`, `\`, `..`) or control characters are refused, not cleaned, so nothing is stored under a
 * name the uploader did not choose.
 */
export function safeFilename(name: string): string {
	const trimmed = name.normalize('NFC').trim();
	if (!trimmed) throw new SniffError('unknown_type', 'The file has no name.');
	if (
		// eslint-disable-next-line no-control-regex
		/[/\\\u0000-\u001f\u007f]/.test(trimmed) ||
		trimmed === '.' ||
		trimmed === '..' ||
		trimmed.startsWith('..')
	) {
		throw new SniffError(
			'unknown_type',
			'The file name may not contain folders (/, \\ or ..) or control characters.'
		);
	}
	if (new TextEncoder().encode(trimmed).length > 255) {
		throw new SniffError('unknown_type', 'The file name is too long (at most 255 bytes).');
	}
	return trimmed;
}

/** `Content-Disposition: attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266). */
export function attachmentDisposition(filename: string): string {
	const fallback = filename.replace(/[^A-Za-z0-9._ ()-]/g, '_');
	return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
