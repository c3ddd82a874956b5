import { Marked } from 'marked';

const escapeHtml = (text: string) =>
	text.replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
	);

/** Links an email may carry: the web and mail, never javascript:, data: or a relative path. */
const SAFE_URL = /^(https?:\/\/|mailto:)/i;

/**
 * Markdown as email HTML. What people write is text: raw HTML in it is shown as text (escaped),
 * links go only to http(s) and mailto, and images become links (an email loads nothing remote).
 */
const markdown = new Marked({
	gfm: true,
	breaks: true,
	async: false,
	renderer: {
		html({ text }) {
			return escapeHtml(text);
		},
		link({ href, title, tokens }) {
			const inner = this.parser.parseInline(tokens);
			if (!SAFE_URL.test(href)) return inner;
			const titleAttribute = title ? ` title="${escapeHtml(title)}"` : '';
			return `<a href="${escapeHtml(href)}"${titleAttribute}>${inner}</a>`;
		},
		image({ href, text }) {
			const label = escapeHtml(text || href);
			return SAFE_URL.test(href) ? `<a href="${escapeHtml(href)}">${label}</a>` : label;
		}
	}
});

export function markdownToHtml(text: string): string {
	return markdown.parse(text) as string;
}

export { escapeHtml };
