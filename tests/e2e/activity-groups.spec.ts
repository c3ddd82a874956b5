import { expect, test } from './fixtures';
import { INSTRUCTOR, PASSWORD, PHONE } from './people';
import { signIn } from './sign-in';

// Activities and group mode, and the lists staff work in, as Ines (BIO101's instructor) and a
// BIO101 learner in no group: an "any group" activity shows locked with its reason in the
// learner's own terms; participants carry a Groups column and selection; the overview filters by
// "No group"; nothing is wider than a phone.
const BIO101 = '00000000-0000-4000-b000-000000000001';

async function noSidewaysOverflow(page: import('@playwright/test').Page) {
	const width = await page.evaluate(() => document.documentElement.scrollWidth);
	expect(width).toBeLessThanOrEqual(PHONE.width);
}

test('an any-group activity is locked, with its reason, for a learner in no group', async ({
	page,
	browser
}) => {
	const title = `Lab sheet ${Date.now().toString(36)}`;
	await signIn(page, INSTRUCTOR);

	// A learner of BIO101 in no group of it, from the participants list's "No group" filter.
	await page.goto(`/courses/${BIO101}?role=learner&status=active&noGroup=on&match=any`);
	await expect(page.getByRole('columnheader', { name: 'Groups' })).toBeVisible();
	const firstRow = page.getByRole('row').nth(1);
	await expect(firstRow.getByText('No group')).toBeVisible();
	const email = (await firstRow.locator('td span.text-xs').first().textContent())!.trim();
	expect(email).toMatch(/@/);
	// Selecting people enables the bulk actions.
	await expect(page.getByRole('button', { name: 'Add to group' })).toBeDisabled();
	await firstRow.getByRole('checkbox').check();
	await expect(page.getByText('1 selected')).toBeVisible();
	await page.screenshot({ path: 'test-results/participants-selection.png', fullPage: true });
	await expect(page.getByRole('button', { name: 'Add to group' })).toBeEnabled();

	// The overview's "No group" filter lists people in no group only.
	await page.goto(`/courses/${BIO101}/groups/overview`);
	await page.getByLabel('Group', { exact: true }).selectOption('none');
	await page.getByRole('button', { name: 'Filter' }).click();
	await expect(page.locator('#not-in-group')).toBeVisible();
	await expect(page.locator('#not-in-grouping')).toHaveCount(0);

	// An activity open to any group, in separate groups mode.
	await page.goto(`/courses/${BIO101}/activities`);
	await page.getByText('Add an activity').click();
	await page.getByLabel('Title').fill(title);
	await page.getByLabel('Any group of this course', { exact: true }).check();
	await page.getByLabel('Group mode', { exact: true }).selectOption('separate');
	await page.getByRole('button', { name: 'Add activity' }).click();
	const item = page.getByRole('listitem', { name: title });
	await expect(item).toBeVisible();
	await expect(item.getByText(/Only for any group/)).toBeVisible();

	// The learner sees it locked and why, on a phone.
	const context = await browser.newContext({ viewport: PHONE });
	const learner = await context.newPage();
	await signIn(learner, { email, password: PASSWORD });
	await learner.goto(`/courses/${BIO101}/activities`);
	const locked = learner.getByRole('listitem', { name: title });
	await expect(locked.getByText('Restricted')).toBeVisible();
	await expect(
		locked.getByText('Open to members of a group of this course, and you are not in one yet.')
	).toBeVisible();
	await noSidewaysOverflow(learner);
	await learner.screenshot({ path: 'test-results/activity-locked-phone.png' });
	await context.close();

	// Staff open its completions with the group mode shown.
	await item.getByRole('link', { name: `Completions of ${title}` }).click();
	await expect(page.getByText(/separate groups/)).toBeVisible();
	await expect(page.getByLabel('Separate groups')).toBeVisible();
	await page.setViewportSize(PHONE);
	await noSidewaysOverflow(page);
	await page.screenshot({ path: 'test-results/activity-completions-phone.png', fullPage: true });
});
