import { expect, test, type Browser, type Page } from './fixtures';

const PASSWORD = 'demo-pass-2026';
const LEADER = { email: 'ines.moreau@northfield.test', password: PASSWORD };
const LEARNER = { email: 'maya.zhang36@learners.test', password: PASSWORD, name: 'Maya Zhang' };
/** The demo's BIO101 Study Circle (supabase/seed.sql): Inès leads it, Maya is in it. */
const groupId = '00000000-0000-4000-c000-000000000001';

async function signIn(page: Page, account: { email: string; password: string }) {
	await page.goto('/signin');
	await page.getByLabel('Email').fill(account.email);
	await page.getByLabel('Password').fill(account.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL('/');
}

async function browserFor(
	browser: Browser,
	account: { email: string; password: string },
	viewport: { width: number; height: number }
) {
	const context = await browser.newContext({ viewport });
	const page = await context.newPage();
	await signIn(page, account);
	return page;
}

async function noSidewaysScroll(page: Page) {
	const overflow = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth
	);
	expect(overflow).toBeLessThanOrEqual(0);
}

for (const [device, viewport] of [
	['desktop', { width: 1280, height: 800 }],
	['phone', { width: 390, height: 844 }]
] as const) {
	test(`a leader messages a learner from the dashboard; the learner sees it live and answers (${device})`, async ({
		browser
	}) => {
		const stamp = `${device}-${Date.now().toString(36)}`;
		const leader = await browserFor(browser, LEADER, viewport);
		const learner = await browserFor(browser, LEARNER, viewport);

		// The leader finds the learner on the group's dashboard and presses "Message".
		await leader.goto(`/groups/${groupId}/dashboard`);
		await leader.getByRole('link', { name: LEARNER.name }).first().click();
		await expect(leader.getByRole('heading', { name: LEARNER.name })).toBeVisible();
		await leader.getByRole('button', { name: `Message ${LEARNER.name}` }).click();
		await expect(leader).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
		const conversation = new URL(leader.url()).pathname;
		await expect(leader.getByRole('heading', { level: 1, name: LEARNER.name })).toBeVisible();
		await expect(leader.getByTestId('connection-status')).toHaveText('Live');

		// The learner has the conversation open in their browser.
		await learner.goto(conversation);
		await expect(learner.getByTestId('connection-status')).toHaveText('Live');

		const question = `How is the lab report going? ${stamp}`;
		await leader.getByLabel('Write a message').fill(question);
		await leader.getByLabel('Write a message').press('Enter');
		await expect(learner.getByRole('log').getByText(question)).toBeVisible({ timeout: 10_000 });
		await expect(leader.getByRole('log').getByText(question)).toHaveCount(1);

		const answer = `Nearly done, thanks! ${stamp}`;
		await learner.getByLabel('Write a message').fill(answer);
		await learner.getByLabel('Write a message').press('Enter');
		await expect(leader.getByRole('log').getByText(answer)).toBeVisible({ timeout: 10_000 });
		await expect(learner.getByRole('log').getByText(answer)).toHaveCount(1);
		await noSidewaysScroll(learner);
		await noSidewaysScroll(leader);

		await learner.screenshot({ path: `test-results/direct-messages-${device}.png` });

		// The learner's conversation list shows it, newest message first.
		await learner.goto('/messages');
		const row = learner.getByRole('link', { name: new RegExp(answer) });
		await expect(row).toBeVisible();
		await noSidewaysScroll(learner);
		await learner.screenshot({ path: `test-results/direct-messages-list-${device}.png` });

		await leader.context().close();
		await learner.context().close();
	});
}
