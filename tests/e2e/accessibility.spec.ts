import { expect, test } from './fixtures';

// Every test's pages are scanned by axe (tests/e2e/fixtures.ts). This shows the scan would notice.
test('the axe check of every visited page notices a serious problem', async ({
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
		document.body.prepend(faint);
	});
	await accessibility.scan(page);
	expect(accessibility.findings.map((finding) => finding.rule)).toContain('color-contrast');
	// Planted by this test: not a finding against the app.
	accessibility.findings.length = 0;
});
