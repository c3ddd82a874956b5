import { expect, test, type Browser, type Page } from './fixtures';
import { signUpLink } from './mail';

const PASSWORD = 'demo-pass-2026';
const ADMIN = { email: 'olivia.grant@northfield.test', password: PASSWORD };
const LEADER = { email: 'nora.nowak2@learners.test', password: PASSWORD, name: 'Nora Nowak' };
const LEARNER = { email: 'elias.byrne1@learners.test', password: PASSWORD };

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
	viewport = { width: 1280, height: 800 }
) {
	const context = await browser.newContext({ viewport });
	const page = await context.newPage();
	await signIn(page, account);
	return page;
}

/** The bell's number as people read it: from its accessible name. */
async function unreadOnBell(page: Page): Promise<number> {
	const label = (await page.getByTestId('notification-bell').getAttribute('aria-label')) ?? '';
	const match = label.match(/(\d+) unread/);
	return match ? Number(match[1]) : 0;
}

for (const [device, viewport] of [
	['desktop', { width: 1280, height: 800 }],
	['phone', { width: 390, height: 844 }]
] as const) {
	test(`a learner's bell counts up live when a leader adds them to a group, and the inbox links there (${device})`, async ({
		browser
	}) => {
		const stamp = `${device}-${Date.now().toString(36)}`;
		// A group led by the leader, who manages its members (made by the organisation's admin).
		const admin = await browserFor(browser, ADMIN);
		const organisations = await (await admin.request.get('/api/v1/organisations')).json();
		const northfield = (organisations.items ?? organisations).find(
			(organisation: { slug: string }) => organisation.slug === 'northfield'
		);
		const created = await admin.request.post('/api/v1/groups', {
			data: { organisationId: northfield.id, name: `Robotics ${stamp}`, kind: 'study group' }
		});
		expect(created.status()).toBe(201);
		const group = await created.json();
		const madeLeader = await admin.request.post(`/api/v1/groups/${group.id}/members`, {
			data: { emails: [LEADER.email], role: 'leader' }
		});
		expect((await madeLeader.json()).errors).toEqual([]);
		await admin.context().close();

		// The learner is on the home page in their browser; the leader in another.
		const learner = await browserFor(browser, LEARNER, viewport);
		const leader = await browserFor(browser, LEADER);
		const before = await unreadOnBell(learner);

		const added = await leader.request.post(`/api/v1/groups/${group.id}/members`, {
			data: { emails: [LEARNER.email] }
		});
		expect((await added.json()).errors).toEqual([]);

		// Live: no reload.
		await expect.poll(() => unreadOnBell(learner), { timeout: 10_000 }).toBe(before + 1);
		await expect(learner.getByTestId('notification-count')).toHaveText(String(before + 1));
		await expect(learner.getByRole('status').filter({ hasText: 'New notification' })).toHaveText(
			`New notification: ${LEADER.name} added you to Robotics ${stamp}`
		);

		// The bell opens the latest notifications; "See all" opens the inbox, which links to the group.
		await learner.getByRole('button', { name: /^Notifications, \d+ unread$/ }).click();
		await expect(
			learner
				.getByTestId('popover-notification')
				.filter({ hasText: `added you to Robotics ${stamp}` })
		).toHaveAttribute('data-unread', 'true');
		await learner.getByRole('link', { name: 'See all' }).click();
		await expect(learner.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
		const item = learner
			.getByTestId('notification')
			.filter({ hasText: `added you to Robotics ${stamp}` });
		await expect(item).toHaveAttribute('data-unread', 'true');
		const noOverflow = await learner.evaluate(
			() => document.documentElement.scrollWidth <= window.innerWidth
		);
		expect(noOverflow).toBe(true);
		await learner.screenshot({ path: `test-results/notifications-${device}.png`, fullPage: false });

		await item.getByRole('button', { name: /^Mark read/ }).click();
		await expect(item).not.toHaveAttribute('data-unread', 'true');
		await expect.poll(() => unreadOnBell(learner)).toBe(before);
		await item.getByRole('link', { name: `${LEADER.name} added you to Robotics ${stamp}` }).click();
		await expect(learner).toHaveURL(`/groups/${group.id}`);

		// Remove the learner again so the next run starts from the same place.
		const removed = await leader.request.delete(
			`/api/v1/groups/${group.id}/members/${(await (await learner.request.get('/api/v1/me')).json()).id}`
		);
		expect(removed.status()).toBeLessThan(300);
		await learner.context().close();
		await leader.context().close();
	});
}

test('a new person sees a clear empty state and an empty bell', async ({ page }) => {
	const stamp = Date.now().toString(36);
	await page.goto('/signup');
	await page.getByLabel('Email').fill(`quinn.${stamp}@example.test`);
	await page.getByLabel('Display name').fill('Quinn Example');
	await page.getByLabel('Password').fill('plum lantern orbit meadow');
	await page.getByRole('button', { name: 'Create account' }).click();
	await page.goto(await signUpLink(page, `quinn.${stamp}@example.test`));
	await page.getByRole('button', { name: 'Create my account' }).click();
	await expect(page).toHaveURL('/');
	await expect(page.getByTestId('notification-bell')).toHaveAttribute(
		'aria-label',
		'Notifications, none unread'
	);
	await expect(page.getByTestId('notification-count')).toHaveCount(0);
	await page.getByTestId('notification-bell').click();
	await expect(page.getByTestId('notification-popover')).toContainText('You are all caught up');
	await page.getByRole('link', { name: 'See all' }).click();
	await expect(page.getByTestId('notifications-empty')).toContainText('You are all caught up.');
	await expect(page.getByRole('button', { name: 'Mark all read' })).toHaveCount(0);

	// Preferences: a kind set to the daily digest stays so after a reload.
	await page.goto('/settings/notifications');
	const mentions = page.getByRole('group', { name: 'Mentions of you' });
	await mentions.getByLabel('Daily email digest').check();
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
	await page.reload();
	await expect(
		page.getByRole('group', { name: 'Mentions of you' }).getByLabel('Daily email digest')
	).toBeChecked();
});

test('the JSON API lists, marks read and configures notifications, and names bad input', async ({
	browser
}) => {
	const page = await browserFor(browser, LEARNER);
	const api = page.request;
	const listed = await api.get('/api/v1/me/notifications?limit=5');
	expect(listed.status()).toBe(200);
	const inbox = await listed.json();
	expect(inbox).toMatchObject({ items: expect.any(Array), unread: expect.any(Number) });
	expect(inbox.items.length).toBeGreaterThan(0);
	expect(inbox.items[0]).toMatchObject({
		kind: expect.any(String),
		link: expect.stringMatching(/^\//)
	});

	const bad = await api.get('/api/v1/me/notifications?limit=500');
	expect(bad.status()).toBe(400);
	expect((await bad.json()).error.message).toBe('The limit must be at most 100.');
	const unknown = await api.put('/api/v1/me/notification-preferences', {
		data: { mentions: 'off' }
	});
	expect(unknown.status()).toBe(400);
	expect((await unknown.json()).error.message).toContain('mentions');

	const put = await api.put('/api/v1/me/notification-preferences', {
		data: { announcement: 'digest', membership_removed: 'off' }
	});
	expect(put.status()).toBe(200);
	const prefs = (await put.json()).items as { kind: string; delivery: string }[];
	expect(prefs.find((p) => p.kind === 'announcement')?.delivery).toBe('digest');
	expect(prefs.find((p) => p.kind === 'membership_removed')?.delivery).toBe('off');
	const got = await (await api.get('/api/v1/me/notification-preferences')).json();
	expect(got.items).toEqual(prefs);

	const read = await api.post('/api/v1/me/notifications/read', { data: { all: true } });
	expect(read.status()).toBe(200);
	expect((await read.json()).unread).toBe(0);
	const empty = await api.post('/api/v1/me/notifications/read', { data: { ids: [] } });
	expect(empty.status()).toBe(400);
	// Back to the defaults, for the specs that run after this one.
	const reset = await api.put('/api/v1/me/notification-preferences', {
		data: { announcement: 'email', membership_removed: 'in_app' }
	});
	expect(reset.status()).toBe(200);
	await page.context().close();
});
