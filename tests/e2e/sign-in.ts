import { expect, type Page } from '@playwright/test';

/**
 * Signs in through the API on the page's own cookie jar and waits for the answer: the session
 * cookie is all the next steps need (the sign-in form has its own test in foundation.spec.ts).
 * Rendering the sign-in and home pages first only adds work that a loaded machine may not finish
 * within a step's timeout.
 */
export async function signIn(page: Page, account: { email: string; password: string }) {
	const response = await page.request.post('/api/v1/sessions', { data: account });
	expect(response.status(), await response.text()).toBe(201);
}
