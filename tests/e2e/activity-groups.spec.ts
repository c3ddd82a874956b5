import { expect, test } from './fixtures';
import { ADMIN, browserFor, INSTRUCTOR, LEADER, MEMBER, PASSWORD, PHONE } from './people';
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

test('staff edit two participants, Discard restores them, and one Save applies both', async ({
	browser
}) => {
	const stamp = Date.now().toString(36);
	const admin = await browserFor(browser, ADMIN);
	const organisations = await (await admin.request.get('/api/v1/organisations')).json();
	const northfield = (organisations.items ?? organisations).find(
		(organisation: { slug: string }) => organisation.slug === 'northfield'
	).id as string;
	const created = await admin.request.post(`/api/v1/organisations/${northfield}/courses`, {
		data: { code: `EDT${stamp}`, name: `Edits ${stamp}` }
	});
	expect(created.status(), await created.text()).toBe(201);
	const courseId = (await created.json()).id as string;
	const enrolled = await admin.request.post(`/api/v1/courses/${courseId}/enrolments`, {
		data: { emails: `${MEMBER.email}, ${LEADER.email}, elias.byrne1@learners.test` }
	});
	expect(enrolled.status(), await enrolled.text()).toBe(200);

	await admin.goto(`/courses/${courseId}`);
	const bar = admin.getByRole('form', { name: 'Unsaved changes to participants' });
	const mayaRole = admin.getByLabel(`Role of ${MEMBER.name}`);
	const noraStatus = admin.getByLabel(`Status of ${LEADER.name}`);
	await expect(bar).toContainText('No unsaved changes.');
	await mayaRole.selectOption('assistant');
	await noraStatus.selectOption('suspended');
	await expect(bar.getByTestId('unsaved-count')).toContainText('2 unsaved changes');
	await expect(admin.getByRole('row', { name: new RegExp(MEMBER.name) })).toContainText('Unsaved');
	await expect(admin.getByRole('row', { name: /Elias Byrne/ })).not.toContainText('Unsaved');
	await admin.screenshot({ path: 'test-results/participants-unsaved.png', fullPage: true });

	// Discard puts every row back as it was saved.
	await bar.getByRole('button', { name: 'Discard' }).click();
	await expect(bar).toContainText('Discarded 2 changes.');
	await expect(mayaRole).toHaveValue('learner');
	await expect(noraStatus).toHaveValue('active');

	// Leaving with an edit asks first; staying keeps it.
	await mayaRole.selectOption('assistant');
	admin.once('dialog', (dialog) => void dialog.dismiss());
	await admin.getByRole('link', { name: 'Activities' }).click();
	await expect(mayaRole).toHaveValue('assistant');
	expect(new URL(admin.url()).pathname).toBe(`/courses/${courseId}`);

	// One Save applies both rows.
	await noraStatus.selectOption('suspended');
	await expect(bar.getByTestId('unsaved-count')).toContainText('2 unsaved changes');
	await bar.getByRole('button', { name: 'Save changes' }).click();
	await expect(admin.getByRole('status').filter({ hasText: 'Saved the changes' })).toHaveText(
		`Saved the changes to ${MEMBER.name} and ${LEADER.name}.`
	);
	await expect(bar).toContainText('No unsaved changes.');
	await admin.screenshot({ path: 'test-results/participants-one-save.png', fullPage: true });
	const rows = (await (await admin.request.get(`/api/v1/courses/${courseId}/enrolments`)).json())
		.items as { displayName: string; role: string; status: string }[];
	expect(rows.map((row) => [row.displayName, row.role, row.status])).toEqual([
		['Elias Byrne', 'learner', 'active'],
		[MEMBER.name, 'assistant', 'active'],
		[LEADER.name, 'learner', 'suspended']
	]);
	await admin.reload();
	await expect(mayaRole).toHaveValue('assistant');
	await expect(noraStatus).toHaveValue('suspended');

	// The row actions stay inside the table's card on a desktop, and nothing is wider than a phone.
	const card = admin.getByRole('table').locator('..');
	const fits = await card.evaluate((box) => box.scrollWidth <= box.clientWidth);
	expect(fits).toBe(true);
	await admin.setViewportSize(PHONE);
	await noSidewaysOverflow(admin);
	await admin.screenshot({ path: 'test-results/participants-one-save-phone.png', fullPage: true });
	await admin.context().close();
});
