import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeHtml, formatMessage, plainText, toHtml } from './chat-format';

const html = (body: string, options = {}) => toHtml(formatMessage(body, options));

describe('formatMessage', () => {
	it('knows the reader’s own full name even when the names list leaves them out', () => {
		expect(
			formatMessage('@Maya Zhang here is the plan', { names: ['Inès Moreau'], me: 'Maya Zhang' })
		).toEqual([
			{ type: 'mention', name: 'Maya Zhang', self: true },
			{ type: 'text', text: ' here is the plan' }
		]);
	});

	it('renders bold, italic, code and line breaks', () => {
		expect(html('**bold** and _italic_ and `code`\nnext line')).toBe(
			'<strong>bold</strong> and <em>italic</em> and <code>code</code><br>next line'
		);
	});

	it('nests italic and links inside bold', () => {
		expect(html('**see _this_ at https://example.org/a**')).toBe(
			'<strong>see <em>this</em> at <a href="https://example.org/a" rel="noopener noreferrer nofollow" target="_blank">https://example.org/a</a></strong>'
		);
	});

	it('keeps markup inside code literal', () => {
		expect(html('`**not bold** _nor italic_ https://x.org`')).toBe(
			'<code>**not bold** _nor italic_ https://x.org</code>'
		);
	});

	it('leaves snake_case words, lone stars and unclosed markers as text', () => {
		expect(html('snake_case_name and 2 * 3 ** 4 and _open')).toBe(
			'snake_case_name and 2 * 3 ** 4 and _open'
		);
		expect(html('** spaced ** and _ spaced _')).toBe('** spaced ** and _ spaced _');
		expect(html('``')).toBe('``');
	});

	it('links http, https and www addresses and leaves trailing punctuation out', () => {
		expect(formatMessage('Read https://example.org/docs. Then (www.example.com/x).')).toEqual([
			{ type: 'text', text: 'Read ' },
			{ type: 'link', href: 'https://example.org/docs', text: 'https://example.org/docs' },
			{ type: 'text', text: '. Then (' },
			{ type: 'link', href: 'https://www.example.com/x', text: 'www.example.com/x' },
			{ type: 'text', text: ').' }
		]);
		expect(formatMessage('https://en.wikipedia.org/wiki/Tessera_(disambiguation)')[0]).toEqual({
			type: 'link',
			href: 'https://en.wikipedia.org/wiki/Tessera_(disambiguation)',
			text: 'https://en.wikipedia.org/wiki/Tessera_(disambiguation)'
		});
	});

	it('resolves mentions of known names, longest first, and marks the reader', () => {
		const names = ['Ada', 'Ada Lovelace', 'Grace Hopper'];
		expect(
			formatMessage('hi @ada lovelace and @Grace Hopper!', { names, me: 'Ada Lovelace' })
		).toEqual([
			{ type: 'text', text: 'hi ' },
			{ type: 'mention', name: 'ada lovelace', self: true },
			{ type: 'text', text: ' and ' },
			{ type: 'mention', name: 'Grace Hopper', self: false },
			{ type: 'text', text: '!' }
		]);
		expect(html('mail me at ada@example.org')).toBe('mail me at ada@example.org');
	});

	it('normalises Windows and old Mac line endings', () => {
		expect(html('a\r\nb\rc')).toBe('a<br>b<br>c');
	});
});

describe('formatMessage against XSS', () => {
	it('shows HTML tags as text', () => {
		expect(html('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(html('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
		expect(html('**<b onmouseover="x()">hi</b>**')).toBe(
			'<strong>&lt;b onmouseover=&quot;x()&quot;&gt;hi&lt;/b&gt;</strong>'
		);
	});

	it('never links javascript:, data: or vbscript: addresses', () => {
		for (const body of [
			'javascript:alert(1)',
			'JaVaScRiPt:alert(document.cookie)',
			'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
			'vbscript:msgbox(1)',
			'[click](javascript:alert(1))',
			'java\nscript:alert(1)'
		]) {
			expect(formatMessage(body).some((node) => node.type === 'link')).toBe(false);
			expect(html(body)).not.toMatch(/<a /);
		}
	});

	it('cannot break out of an href with quotes or angle brackets', () => {
		const out = html('https://example.org/"onmouseover="alert(1)');
		expect(out).toBe(
			'<a href="https://example.org/" rel="noopener noreferrer nofollow" target="_blank">https://example.org/</a>&quot;onmouseover=&quot;alert(1)'
		);
		expect(html("https://example.org/'><script>x</script>")).not.toContain('<script>');
	});

	it('does not turn an address with a javascript: path into anything but an http link', () => {
		const [node] = formatMessage('https://javascript:alert(1)@example.org/');
		expect(node.type === 'link' && new URL(node.href).protocol).toBe('https:');
	});

	it('escapes markup inside code, mentions and link text', () => {
		expect(html('`<svg onload=alert(1)>`')).toBe('<code>&lt;svg onload=alert(1)&gt;</code>');
		expect(html('@<b>x</b>', { names: ['<b>x</b>'] })).toBe(
			'<span class="mention">@&lt;b&gt;x&lt;/b&gt;</span>'
		);
	});

	it('only ever emits its own tags, for any input', () => {
		fc.assert(
			fc.property(
				fc.string({
					unit: fc.constantFrom(
						'<',
						'>',
						'"',
						"'",
						'&',
						'*',
						'_',
						'`',
						'a',
						' ',
						'\n',
						'https://x.org/',
						'javascript:',
						'on',
						'='
					),
					maxLength: 80
				}),
				(body) => {
					const out = html(body);
					const tags = out.match(/<[^>]*>/g) ?? [];
					for (const tag of tags) {
						expect(tag).toMatch(
							/^(<\/?(strong|em|code)>|<br>|<\/a>|<span class="mention">|<\/span>|<a href="https?:\/\/[^"<>]*" rel="noopener noreferrer nofollow" target="_blank">)$/
						);
					}
				}
			)
		);
	});

	it('formats the longest message quickly even when it is full of markers', () => {
		const body = '**a _b `c '.repeat(400).slice(0, 4000);
		const nodes = formatMessage(body);
		expect(toHtml(nodes).length).toBeGreaterThan(4000);
	});
});

describe('escapeHtml and plainText', () => {
	it('escapes the five HTML specials', () => {
		expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
			'&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;'
		);
	});

	it('flattens and shortens a preview', () => {
		expect(plainText('a\n\n b   c')).toBe('a b c');
		expect(plainText('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
	});
});
