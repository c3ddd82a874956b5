import { expect, type Page } from '@playwright/test';

/**
 * Signs in through the API on the page's own cookie jar, waits for the answer, then opens the
 * home page as the sign-in form would. The sign-in form has its own test (foundation.spec.ts);
 * here it only cost a page render and a 5-second wait for the redirect that a loaded machine
 * did not always finish.
 */
export async function signIn(page: Page, account: { email: string; password: string }) {
	const response = await page.request.post('/api/v1/sessions', {
		data: { email: account.email, password: account.password }
	});
	expect(response.status(), await response.text()).toBe(201);
	await page.goto('/');
}
