import { expect, test, type Page } from './fixtures';
import { mailTo, signUpLink } from './mail';

const ADMIN = { email: 'admin@tessera.test', password: 'demo-admin-2026' };
const LEARNER = { email: 'maya.zhang36@learners.test', password: 'demo-pass-2026' };
const HARBOUR_COURSE_ID = '00000000-0000-4000-b000-000000000004';

async function signIn(page: Page, account: { email: string; password: string }) {
	await page.goto('/signin');
	await page.getByLabel('Email').fill(account.email);
	await page.getByLabel('Password').fill(account.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL('/');
}

async function signOut(page: Page) {
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL('/signin');
	await page.goto('/');
	await expect(page).toHaveURL(/\/signin\?redirectTo=%2F$/);
}

test('a new user signs up, and an admin sets up a course and enrols people from a CSV file', async ({
	page
}) => {
	const stamp = Date.now().toString(36);

	await page.goto('/signup');
	await page.getByLabel('Email').fill(`robin.${stamp}@example.test`);
	await page.getByLabel('Display name').fill('Robin Example');
	await page.getByLabel('Password').fill('plum lantern orbit meadow');
	await page.getByRole('button', { name: 'Create account' }).click();
	// Issue 11: the same answer whether or not the email has an account; the link comes by email.
	await expect(
		page.getByText('Check your email: we sent a link to finish signing up.')
	).toBeVisible();
	await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
	const link = await signUpLink(page, `robin.${stamp}@example.test`);
	await page.goto(link);
	// Opening the link (as a mail scanner would) creates nothing; the button does.
	await expect(page.getByText(`robin.${stamp}@example.test`)).toBeVisible();
	await page.getByRole('button', { name: 'Create my account' }).click();
	await expect(page).toHaveURL('/');
	await expect(page.getByRole('heading', { name: 'Hello, Robin' })).toBeVisible();
	await expect(page.getByText('You are not enrolled in any course yet.')).toBeVisible();
	await signOut(page);
	// The link worked once.
	await page.goto(link);
	await expect(page.getByText(/expired or was already used/)).toBeVisible();
	await expect(page.getByRole('button', { name: 'Create my account' })).toHaveCount(0);

	// Signing up again with the same email gets the very same answer; the email says why.
	await page.goto('/signup');
	await page.getByLabel('Email').fill(`robin.${stamp}@example.test`);
	await page.getByLabel('Display name').fill('Robin Again');
	await page.getByLabel('Password').fill('another lantern phrase');
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(
		page.getByText('Check your email: we sent a link to finish signing up.')
	).toBeVisible();
	await expect
		.poll(async () => (await mailTo(page, `robin.${stamp}@example.test`)).at(-1) ?? '')
		.toContain('You already have a Tessera account');

	await signIn(page, ADMIN);
	await page.goto('/organisations');
	const orgName = `Test Academy ${stamp}`;
	// The address is suggested from the name once the page is interactive.
	await expect(async () => {
		await page.getByLabel('Name').fill('');
		await page.getByLabel('Name').fill(orgName);
		await expect(page.getByLabel('Address')).toHaveValue(`test-academy-${stamp}`, { timeout: 500 });
	}).toPass();
	await page.getByRole('button', { name: 'Create organisation' }).click();
	await expect(page).toHaveURL(`/organisations/test-academy-${stamp}`);
	await expect(page.getByRole('heading', { level: 1, name: orgName })).toBeVisible();
	await expect(page.getByText('No courses to show.')).toBeVisible();

	await page.getByLabel('Code').fill('E2E101');
	await page.getByLabel('Name').fill('Testing End to End');
	await page.getByRole('button', { name: 'Create course' }).click();
	await expect(page).toHaveURL(/\/courses\/[0-9a-f-]{36}$/);
	await expect(page.getByRole('heading', { level: 1, name: 'Testing End to End' })).toBeVisible();
	await expect(page.getByText('Nobody is enrolled yet.')).toBeVisible();

	await page.getByText('Upload a CSV file', { exact: true }).click();
	await page.getByLabel('CSV file').setInputFiles({
		name: 'roster.csv',
		mimeType: 'text/csv',
		buffer: Buffer.from(
			'email,role\nmaya.zhang36@learners.test,learner\nelias.byrne1@learners.test,assistant\nnobody@nowhere.test\n'
		)
	});
	await page.getByRole('button', { name: 'Preview' }).last().click();

	const preview = page.locator('tr[data-status]');
	await expect(preview).toHaveCount(3);
	await expect(preview.filter({ hasText: 'maya.zhang36@learners.test' })).toContainText(
		'Will enrol'
	);
	await expect(preview.filter({ hasText: 'elias.byrne1@learners.test' })).toContainText(
		'Will enrol'
	);
	// An address with no account gets an invitation (the answer never says whether it has one).
	await expect(preview.filter({ hasText: 'nobody@nowhere.test' })).toContainText(
		'Will be sent an invitation to enrol.'
	);
	await expect(page.locator('[data-count="enrol"]')).toHaveText('Will enrol: 2');
	await expect(page.locator('[data-count="invite"]')).toHaveText('Will invite: 1');
	await expect(page.locator('[data-count="error"]')).toHaveText('Error: 0');
	// Nothing is applied before the confirmation.
	await expect(page.getByText('Nobody is enrolled yet.')).toBeVisible();

	await page.getByRole('button', { name: 'Confirm and enrol 2 people' }).click();
	await expect(page.locator('[data-count="enrol"]')).toHaveText('Enrolled: 2');
	await expect(
		page.getByText(
			'Done: 2 enrolled, 0 updated, 0 unchanged, 1 invited by email, 0 skipped with errors.'
		)
	).toBeVisible();

	const participants = page.getByRole('table').last();
	await expect(participants.getByText('Maya Zhang', { exact: true })).toBeVisible();
	await expect(participants.getByText('Elias Byrne', { exact: true })).toBeVisible();
	await expect(page.getByText('Showing 1–2 of 2 participants')).toBeVisible();
	await expect(page.getByLabel('Role of Elias Byrne')).toHaveValue('assistant');

	await page.getByRole('searchbox', { name: 'Search' }).fill('maya');
	await page.getByRole('button', { name: 'Filter' }).click();
	await expect(page).toHaveURL(/[?&]search=maya/);
	await expect(page.getByText('Showing 1–1 of 1 matching participant')).toBeVisible();
	await expect(
		page.getByRole('table').last().getByText('Maya Zhang', { exact: true })
	).toBeVisible();
	await expect(
		page.getByRole('table').last().getByText('Elias Byrne', { exact: true })
	).toHaveCount(0);

	await signOut(page);
});

test('a learner cannot open a course of another organisation', async ({ page }) => {
	await signIn(page, LEARNER);
	const response = await page.goto(`/courses/${HARBOUR_COURSE_ID}`);
	expect(response?.status()).toBe(404);
	await expect(page.getByText('Not found, or you do not have access.')).toBeVisible();
	await expect(page.getByRole('link', { name: 'Go home' })).toBeVisible();
});
