import { expect, test } from './fixtures';
import { browserFor, MEMBER, PHONE } from './people';

// The settings page with a personal access token listed: its table scrolls inside its card, and
// the page stays within a phone's width (a full e2e run, where the API spec had made tokens, found
// the page 620 px wide: the token table's minimum width set the grid's only column).
test('settings with a token listed fits a phone', async ({ browser }) => {
	const page = await browserFor(browser, MEMBER, PHONE);
	const made = await page.request.post('/api/v1/tokens', { data: { name: 'script token' } });
	expect(made.status(), await made.text()).toBeLessThan(300);
	await page.goto('/settings');
	await expect(page.getByText('script token').first()).toBeVisible();
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});
