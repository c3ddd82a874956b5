import { expect, test } from './fixtures';
import { signIn } from './sign-in';

const STAFF = { email: 'ines.moreau@northfield.test', password: 'demo-pass-2026' };
const LEARNER = { email: 'maya.zhang36@learners.test', password: 'demo-pass-2026' };
const BIO101 = '00000000-0000-4000-b000-000000000001';

test('staff auto-create groups from a preview, a learner signs up in another browser and both see the group fill', async ({
	page,
	browser
}) => {
	const stamp = Date.now().toString(36);
	const grouping = `Studios ${stamp}`;
	const naming = `Studio ${stamp} @`;
	const names = ['A', 'B', 'C'].map((letter) => `Studio ${stamp} ${letter}`);

	await signIn(page, STAFF);
	await page.goto(`/courses/${BIO101}`);
	await page.getByRole('link', { name: 'Groups and cohorts' }).click();
	await page
		.getByRole('navigation', { name: 'Course group sections' })
		.getByRole('link', { name: 'Auto-create' })
		.click();
	await expect(page.getByRole('heading', { name: 'Create groups automatically' })).toBeVisible();

	// Three groups of the course's learners, at random, into a new grouping.
	await page.getByLabel('Number of groups').check();
	await page.getByLabel('How many groups').fill('3');
	await page.getByLabel('Naming scheme').fill(naming);
	await expect(page.getByText(`For example: ${names.join(', ')}`)).toBeVisible();
	await page.getByLabel('Allocation').selectOption('random');
	await page.getByLabel('Take members from').selectOption('role:learner');
	await page.getByLabel('Place the new groups in').selectOption('new');
	await page.getByLabel('Name of the new grouping').fill(grouping);
	await page.getByRole('button', { name: 'Preview', exact: true }).click();

	// The preview names every group, counts its members and shows the seed; nothing exists yet.
	const preview = page.getByRole('table', { name: 'Groups that would be created' });
	await expect(preview).toBeVisible();
	for (const name of names) {
		await expect(preview.getByRole('rowheader', { name, exact: true })).toBeVisible();
	}
	const summary = await page.getByTestId('auto-summary').innerText();
	const [, placed, source] = summary.match(/3 groups · (\d+) members placed of (\d+) people/)!;
	expect(Number(placed)).toBe(Number(source));
	expect(Number(placed)).toBeGreaterThan(3);
	const seed = await page.getByTestId('auto-seed').innerText();
	expect(seed).toMatch(/^\d+$/);
	await expect(page.getByLabel('Seed', { exact: true })).toHaveValue(seed);
	const firstTable = await preview.innerText();

	// The same seed gives the same groups.
	await page.getByRole('button', { name: 'Preview again' }).click();
	await expect(page.getByTestId('auto-seed')).toHaveText(seed);
	expect(await preview.innerText()).toBe(firstTable);

	// Changing an option makes the preview stale until it is run again.
	await page.getByLabel('How many groups').fill('4');
	await expect(page.getByRole('button', { name: 'Create groups' })).toBeDisabled();
	await expect(page.getByText('The options changed since the preview.')).toBeVisible();
	await page.getByLabel('How many groups').fill('3');
	await page.getByRole('button', { name: 'Preview again' }).click();
	await expect(page.getByTestId('auto-seed')).toHaveText(seed);
	await expect(page.getByRole('button', { name: 'Create groups' })).toBeEnabled();

	await page.getByRole('button', { name: 'Create groups' }).click();
	await expect(page.getByText(`Created 3 groups with ${placed} members.`)).toBeVisible();
	const created = page.getByRole('region', { name: 'Created' });
	for (const name of names) {
		await expect(created.getByRole('link', { name, exact: true })).toBeVisible();
	}

	// Open the new grouping for self sign-up, thirty places per group (the groups hold about twenty).
	await page.getByRole('link', { name: 'Open the grouping' }).click();
	await expect(page.getByRole('heading', { level: 2, name: grouping })).toBeVisible();
	await page.getByLabel('Learners may sign up for a group of this grouping').check();
	await page.getByLabel('Places per group').fill('30');
	await page.getByRole('button', { name: 'Save sign-up settings' }).click();
	await expect(page.getByText('Sign-up is on.')).toBeVisible();

	// The learner, in their own browser, picks a group of the new grouping they are not in.
	const context = await browser.newContext();
	const learner = await context.newPage();
	await signIn(learner, LEARNER);
	await learner.goto(`/courses/${BIO101}/groups`);
	await learner
		.getByRole('navigation', { name: 'Course group sections' })
		.getByRole('link', { name: 'Sign up' })
		.click();
	const section = learner.getByRole('region', { name: grouping });
	await expect(section.getByTestId('signup-group')).toHaveCount(3);
	const open = section
		.getByTestId('signup-group')
		.filter({ hasNot: learner.getByText('Your group') });
	const target = open.first();
	const targetName = (await target.getByRole('heading').innerText()).trim();
	expect(names).toContain(targetName);
	const before = Number(
		(await target.getByText(/ of 30 places taken/).innerText()).match(/^(\d+) of 30/)![1]
	);

	// Staff watch the grouping page, which refreshes by itself.
	const staffMeter = page.getByRole('meter', {
		name: `${targetName}: ${before} of 30 places taken`
	});
	await expect(staffMeter).toBeVisible();

	await target.getByRole('button', { name: `Join ${targetName}` }).click();
	await expect(learner.getByText(`You joined ${targetName}.`)).toBeVisible();
	const joined = section
		.getByTestId('signup-group')
		.filter({ has: learner.getByRole('heading', { name: targetName, exact: true }) });
	await expect(joined.getByText('Your group')).toBeVisible();
	await expect(joined.getByText(`${before + 1} of 30 places taken`)).toBeVisible();
	await expect(joined.getByRole('button', { name: `Leave ${targetName}` })).toBeVisible();

	// Without a reload, the staff view shows the group one fuller.
	await expect(
		page.getByRole('meter', { name: `${targetName}: ${before + 1} of 30 places taken` })
	).toBeVisible({ timeout: 15_000 });
	await expect(page.getByText(`${before + 1} / 30`).first()).toBeVisible();

	// The overview lists the learner in that group. Opened by its link's address: on a loaded
	// machine a click could land while the live grouping page re-rendered, and be lost (a
	// fresh-clone CI run at load 13 stayed on the grouping page).
	const overview = page
		.getByRole('navigation', { name: 'Course group sections' })
		.getByRole('link', { name: 'Overview' });
	await page.goto((await overview.getAttribute('href'))!);
	const studios = page.getByRole('region', { name: `Grouping: ${grouping}` });
	await expect(
		studios.getByRole('list', { name: `Members of ${targetName}` }).getByRole('listitem')
	).toHaveCount(before + 1);

	// The participants list filters by that group.
	await page.goto(`/courses/${BIO101}`);
	await page.locator('summary', { hasText: 'Groups' }).click();
	await page.getByLabel(targetName, { exact: true }).check();
	await page.getByRole('button', { name: 'Filter' }).click();
	await expect(
		page.getByText(
			new RegExp(`Showing 1–${before + 1} of ${before + 1}\\s+matching\\s+participants`)
		)
	).toBeVisible();
	await expect(page).toHaveURL(/match=any/);

	// The staff pages are not there for the learner.
	for (const tab of ['overview', 'groupings', 'auto-create', 'import']) {
		const response = await learner.goto(`/courses/${BIO101}/groups/${tab}`);
		expect(response?.status()).toBe(404);
	}

	await context.close();
});

test('staff set the course group mode in the course settings', async ({ page }) => {
	await signIn(page, STAFF);
	await page.goto(`/courses/${BIO101}`);
	await page.getByRole('main').getByRole('link', { name: 'Settings' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Course settings' })).toBeVisible();
	await expect(page.getByLabel('No groups')).toBeChecked();

	await page.getByLabel('Separate groups').check();
	await page.getByRole('button', { name: 'Save group mode' }).click();
	await expect(page.getByText('Group mode: separate groups.')).toBeVisible();
	await page.reload();
	await expect(page.getByLabel('Separate groups')).toBeChecked();

	// Back to the default, so other tests see the course as seeded.
	await page.getByLabel('No groups').check();
	await page.getByRole('button', { name: 'Save group mode' }).click();
	await expect(page.getByText('Group mode: no groups.')).toBeVisible();
});
