import { describe, expect, it } from 'vitest';
import { markdownToHtml } from './markdown';

describe('markdown in notification emails', () => {
	it('formats emphasis, lists and links', () => {
		const html = markdownToHtml(
			'**Exam** moved to *Friday*\n\n- bring a pen\n- see [the plan](https://example.org/plan)'
		);
		expect(html).toContain('<strong>Exam</strong>');
		expect(html).toContain('<em>Friday</em>');
		expect(html).toContain('<li>bring a pen</li>');
		expect(html).toContain('<a href="https://example.org/plan">the plan</a>');
	});

	it('shows raw HTML from a person as text, never as markup', () => {
		const html = markdownToHtml('Hi <script>alert(1)</script> <img src=x onerror=alert(1)>');
		expect(html).not.toMatch(/<script|<img/i);
		expect(html).toContain('&lt;script&gt;');
	});

	it('drops links that are not web or mail addresses', () => {
		const html = markdownToHtml(
			'[click](javascript:alert(1)) and ![pic](data:image/png;base64,AAAA)'
		);
		expect(html).not.toMatch(/javascript:|data:image/);
		expect(html).toContain('click');
	});
});
