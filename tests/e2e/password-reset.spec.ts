import { expect, test, type Page } from './fixtures';
import { mailTo, signUpLink } from './mail';

/** Every reset link emailed to an address so far, oldest first. */
async function resetLinks(page: Page, email: string): Promise<string[]> {
	return (await mailTo(page, email))
		.map((raw) => raw.match(/https?:\/\/[^\s"<>]+\/reset-password\/[a-z0-9]+/)?.[0])
		.filter((link): link is string => Boolean(link));
}

async function askForReset(page: Page, email: string) {
	await page.goto('/signin');
	await page.getByRole('link', { name: 'Forgot password?' }).click();
	await expect(page).toHaveURL('/reset-password');
	await page.getByLabel('Email').fill(email);
	await page.getByRole('button', { name: 'Send me a link' }).click();
	await expect(page.getByText(/If an account uses that email, we sent it a link/)).toBeVisible();
}

async function signInWith(page: Page, email: string, password: string) {
	await page.goto('/signin');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a person who forgot their password resets it by email, once', async ({ page, browser }) => {
	const email = `reset.${Date.now().toString(36)}@example.test`;
	// An account of its own, made as a person makes one.
	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Display name').fill('Reset Person');
	await page.getByLabel('Password').fill('plum lantern orbit meadow');
	await page.getByRole('button', { name: 'Create account' }).click();
	await page.goto(await signUpLink(page, email));
	await page.getByRole('button', { name: 'Create my account' }).click();
	await expect(page).toHaveURL('/');
	// A second browser stays signed in; the reset signs it out.
	const other = await browser.newContext();
	const otherPage = await other.newPage();
	await signInWith(otherPage, email, 'plum lantern orbit meadow');
	await expect(otherPage).toHaveURL('/');
	await page.getByRole('button', { name: 'Sign out' }).click();

	// An unknown email gets the very same answer.
	await askForReset(page, `nobody.${Date.now().toString(36)}@example.test`);
	await askForReset(page, email);
	await askForReset(page, email);
	await expect.poll(async () => (await resetLinks(page, email)).length).toBe(2);
	const [first, second] = await resetLinks(page, email);

	await page.goto(second);
	await expect(page.getByText(email)).toBeVisible();
	await page.getByLabel('New password').fill('short');
	await page.getByRole('button', { name: 'Save the new password' }).click();
	await expect(page.getByText('Use at least 10 characters.')).toBeVisible();
	await page.screenshot({ path: 'test-results/password-reset.png' });
	await page.getByLabel('New password').fill('saffron lantern quarry');
	await page.getByRole('button', { name: 'Save the new password' }).click();
	await expect(page).toHaveURL('/signin?notice=password-reset');
	await expect(page.getByText(/Your password is changed/)).toBeVisible();

	await signInWith(page, email, 'plum lantern orbit meadow');
	await expect(page.getByText('That email and password do not match an account.')).toBeVisible();
	await signInWith(page, email, 'saffron lantern quarry');
	await expect(page).toHaveURL('/');
	await otherPage.goto('/settings');
	await expect(otherPage).toHaveURL(/\/signin/);
	await other.close();

	// The used link, and the older one it made void, are refused.
	for (const link of [second, first]) {
		await page.goto(link);
		await expect(page.getByText(/expired or was already used/)).toBeVisible();
		await expect(page.getByLabel('New password')).toHaveCount(0);
	}
	await expect(page.getByRole('link', { name: 'Ask for a new link' })).toBeVisible();
});
