/**
 * Chat messages are plain text with a little markdown: links, **bold**, _italic_, `code`, line
 * breaks and @mentions. The text is parsed into nodes that components render as Svelte elements
 * (text is always escaped by Svelte); no HTML from a message is ever interpreted. `toHtml` renders
 * the same nodes as escaped HTML for places that need a string (tests, email).
 */
import { foldMention } from './mention-match';

export type Inline =
	| { type: 'text'; text: string }
	| { type: 'strong'; children: Inline[] }
	| { type: 'em'; children: Inline[] }
	| { type: 'code'; text: string }
	| { type: 'link'; href: string; text: string }
	| { type: 'mention'; name: string; self: boolean }
	| { type: 'br' };

export type FormatOptions = {
	/** Display names of the people in the group: `@Ada Lovelace` is one mention, not `@Ada`. */
	names?: readonly string[];
	/** The reader's display name, so mentions of them can be highlighted. */
	me?: string;
};

const MAX_NESTING = 3;
const MAX_URL = 2048;
const WORD = /[\p{L}\p{N}_]/u;
const URL_AT = /(?:https?:\/\/|www\.)[^\s<>"'`\p{Cc}]+/iuy;
const MENTION_AT = /[\p{L}\p{N}][\p{L}\p{N}._'-]*/uy;
const TRAILING = /[.,;:!?'"*_\]}]$/;

export function formatMessage(body: string, options: FormatOptions = {}): Inline[] {
	// The reader is a known name too: a conversation lists only the other people.
	const names = [...new Set([...(options.names ?? []), ...(options.me ? [options.me] : [])])]
		.filter((name) => name.trim())
		.sort((a, b) => b.length - a.length);
	const context = { names, me: options.me === undefined ? undefined : foldMention(options.me) };
	const nodes: Inline[] = [];
	const lines = body.replace(/\r\n?/g, '\n').split('\n');
	lines.forEach((line, index) => {
		if (index > 0) nodes.push({ type: 'br' });
		nodes.push(...inline(line, context, 0));
	});
	return nodes;
}

type Context = { names: string[]; me: string | undefined };

function isWord(char: string | undefined) {
	return char !== undefined && WORD.test(char);
}

function isSpace(char: string | undefined) {
	return char !== undefined && /\s/u.test(char);
}

function inline(text: string, context: Context, depth: number): Inline[] {
	const nodes: Inline[] = [];
	let plain = '';
	let noMoreBold = false;
	const flush = () => {
		if (plain) nodes.push({ type: 'text', text: plain });
		plain = '';
	};
	let i = 0;
	while (i < text.length) {
		const char = text[i];
		if (char === '`') {
			const end = text.indexOf('`', i + 1);
			if (end > i + 1) {
				flush();
				nodes.push({ type: 'code', text: text.slice(i + 1, end) });
				i = end + 1;
				continue;
			}
		} else if (char === '*' && text[i + 1] === '*' && !noMoreBold && depth < MAX_NESTING) {
			const end = closingBold(text, i + 2);
			if (end === -1) noMoreBold = text.indexOf('**', i + 2) === -1;
			else {
				flush();
				nodes.push({
					type: 'strong',
					children: inline(text.slice(i + 2, end), context, depth + 1)
				});
				i = end + 2;
				continue;
			}
		} else if (char === '_' && !isWord(text[i - 1]) && depth < MAX_NESTING) {
			const end = closingUnderscore(text, i + 1);
			if (end !== -1) {
				flush();
				nodes.push({ type: 'em', children: inline(text.slice(i + 1, end), context, depth + 1) });
				i = end + 1;
				continue;
			}
		} else if (
			(char === 'h' || char === 'H' || char === 'w' || char === 'W') &&
			!isWord(text[i - 1])
		) {
			const link = linkAt(text, i);
			if (link) {
				flush();
				nodes.push(link.node);
				i += link.length;
				continue;
			}
		} else if (char === '@' && !isWord(text[i - 1])) {
			const mention = mentionAt(text, i + 1, context);
			if (mention) {
				flush();
				nodes.push({
					type: 'mention',
					name: mention,
					self: foldMention(mention) === context.me
				});
				i += mention.length + 1;
				continue;
			}
		}
		plain += char;
		i += 1;
	}
	flush();
	return nodes;
}

/** The index of the `**` closing a bold run opened just before `from`, or -1. */
function closingBold(text: string, from: number): number {
	if (from >= text.length || isSpace(text[from]) || text[from] === '*') return -1;
	let end = text.indexOf('**', from + 1);
	while (end !== -1) {
		if (!isSpace(text[end - 1])) return end;
		end = text.indexOf('**', end + 1);
	}
	return -1;
}

/** The index of the `_` closing an italic run opened just before `from`, or -1. */
function closingUnderscore(text: string, from: number): number {
	if (from >= text.length || isSpace(text[from]) || text[from] === '_') return -1;
	let end = text.indexOf('_', from + 1);
	while (end !== -1) {
		if (!isSpace(text[end - 1]) && !isWord(text[end + 1])) return end;
		end = text.indexOf('_', end + 1);
	}
	return -1;
}

function linkAt(text: string, at: number): { node: Inline; length: number } | null {
	URL_AT.lastIndex = at;
	const match = URL_AT.exec(text);
	if (!match) return null;
	let raw = match[0];
	// Punctuation that ends a sentence is not part of the link; a ")" is only when unbalanced.
	for (;;) {
		if (TRAILING.test(raw)) raw = raw.slice(0, -1);
		else if (raw.endsWith(')') && count(raw, '(') < count(raw, ')')) raw = raw.slice(0, -1);
		else break;
	}
	if (raw.length > MAX_URL) return null;
	const href = /^www\./i.test(raw) ? `https://${raw}` : raw;
	let url: URL;
	try {
		url = new URL(href);
	} catch {
		return null;
	}
	if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname.includes('.')) {
		return null;
	}
	return { node: { type: 'link', href: url.href, text: raw }, length: raw.length };
}

function count(text: string, char: string) {
	let n = 0;
	for (const c of text) if (c === char) n += 1;
	return n;
}

/** A known display name (longest first, any case or accents) or a single word after `@`. */
function mentionAt(text: string, at: number, context: Context): string | null {
	for (const name of context.names) {
		const candidate = text.slice(at, at + name.length);
		if (foldMention(candidate) === foldMention(name) && !isWord(text[at + name.length])) {
			return text.slice(at, at + name.length);
		}
	}
	MENTION_AT.lastIndex = at;
	const match = MENTION_AT.exec(text);
	if (!match) return null;
	return match[0].replace(/[.'-]+$/, '');
}

const ESCAPES: Record<string, string> = {
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
	'"': '&quot;',
	"'": '&#39;'
};

export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

/** The nodes as escaped HTML: the only markup in the result is what the formatter itself makes. */
export function toHtml(nodes: Inline[]): string {
	return nodes
		.map((node) => {
			switch (node.type) {
				case 'text':
					return escapeHtml(node.text);
				case 'strong':
					return `<strong>${toHtml(node.children)}</strong>`;
				case 'em':
					return `<em>${toHtml(node.children)}</em>`;
				case 'code':
					return `<code>${escapeHtml(node.text)}</code>`;
				case 'link':
					return `<a href="${escapeHtml(node.href)}" rel="noopener noreferrer nofollow" target="_blank">${escapeHtml(node.text)}</a>`;
				case 'mention':
					return `<span class="mention">@${escapeHtml(node.name)}</span>`;
				case 'br':
					return '<br>';
			}
		})
		.join('');
}

/** The message as one line of plain text, for previews and notifications. */
export function plainText(body: string, max = 140): string {
	const flat = body.replace(/\s+/g, ' ').trim();
	return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
