import { expect, test } from './fixtures';

// Every test's pages are scanned by axe (tests/e2e/fixtures.ts). This shows the scan would notice.
test('the axe check of every visited page notices poor contrast and a name that differs from its label', async ({
	page,
	accessibility
}) => {
	await page.goto('/signin');
	// Let any scan of the page as it came finish first, so only the planted problem is new.
	await accessibility.settle();
	await page.evaluate(() => {
		const faint = document.createElement('p');
		faint.textContent = 'Barely readable';
		faint.style.cssText = 'color:#d4d4d4;background:#ffffff;font-size:12px';
		faint.dataset.planted = '';
		document.body.prepend(faint);
		// A button whose spoken name does not contain what it shows (WCAG 2.5.3).
		const misnamed = document.createElement('button');
		misnamed.textContent = 'Take out';
		misnamed.setAttribute('aria-label', 'Remove the group');
		misnamed.dataset.planted = '';
		document.body.prepend(misnamed);
	});
	await accessibility.scan(page);
	const rules = accessibility.findings.map((finding) => finding.rule);
	expect(rules).toContain('color-contrast');
	expect(rules).toContain('label-content-name-mismatch');
	// Planted by this test, not findings against the app: take the plants out, let any scan the
	// page's own navigation events started finish, then forget what was found.
	await page.evaluate(() => document.querySelectorAll('[data-planted]').forEach((n) => n.remove()));
	await accessibility.settle();
	accessibility.findings.length = 0;
});
