import { expect, test, type Page } from './fixtures';
import { signIn } from './sign-in';

// Issue 14 §7: every main page fits a 390 × 844 phone, the chat fills the screen with the
// composer at the bottom, and the channel list and people open as drawers.
const PHONE = { width: 390, height: 844 };
test.use({ viewport: PHONE });

const PASSWORD = 'demo-pass-2026';
const BIO101 = '00000000-0000-4000-b000-000000000001';
const STUDY_CIRCLE = '00000000-0000-4000-c000-000000000001';
const MAYA_ID = '00000000-0000-4000-9000-000000000036';

const ROLES = {
	'platform admin': { email: 'admin@tessera.test', password: 'demo-admin-2026' },
	admin: { email: 'olivia.grant@northfield.test', password: PASSWORD },
	leader: { email: 'ines.moreau@northfield.test', password: PASSWORD },
	learner: { email: 'maya.zhang36@learners.test', password: PASSWORD }
};

const group = (path = '') => `/groups/${STUDY_CIRCLE}${path}`;
const course = (path = '') => `/courses/${BIO101}${path}`;

const COMMON = [
	'/',
	'/organisations',
	'/organisations/northfield',
	course(),
	course('/activities'),
	course('/groups'),
	group(),
	group('/channels'),
	group('/announcements'),
	group('/resources'),
	group('/subgroups'),
	'/notifications',
	'/settings',
	'/settings/notifications'
];

const PAGES: Record<keyof typeof ROLES, string[]> = {
	'platform admin': [...COMMON, '/organisations/harbour', course('/groups/overview')],
	admin: [
		...COMMON,
		'/organisations/northfield/groups',
		'/organisations/northfield/groups/import',
		course('/groups/overview'),
		course('/groups/groupings'),
		course('/groups/auto-create'),
		course('/settings'),
		group('/settings'),
		group('/history'),
		group('/invitations'),
		group('/dashboard'),
		group(`/dashboard/${MAYA_ID}`)
	],
	leader: [
		...COMMON,
		course('/learner-groups'),
		group('/history'),
		group('/dashboard'),
		group(`/dashboard/${MAYA_ID}`)
	],
	learner: [...COMMON, course('/groups/signup')]
};

/** The page's width past the screen, and what sticks out (to name it when it fails). */
async function overflow(page: Page) {
	return page.evaluate((width) => {
		const wide = [...document.querySelectorAll<HTMLElement>('body *')]
			.filter((element) => {
				const box = element.getBoundingClientRect();
				return box.width > 0 && box.right > width + 0.5;
			})
			.slice(0, 5)
			.map(
				(element) =>
					`${element.tagName.toLowerCase()}.${String(element.className).slice(0, 60)} (${Math.round(element.getBoundingClientRect().right)}px)`
			);
		return { scrollWidth: document.documentElement.scrollWidth, wide };
	}, PHONE.width);
}

for (const [role, account] of Object.entries(ROLES) as [keyof typeof ROLES, typeof ROLES.admin][]) {
	test(`no page overflows sideways on a phone, as ${role}`, async ({ page }) => {
		test.setTimeout(240_000);
		await signIn(page, account);
		const problems: string[] = [];
		for (const path of PAGES[role]) {
			const response = await page.goto(path);
			expect(response?.status(), path).toBeLessThan(400);
			await page.waitForLoadState('load');
			const { scrollWidth, wide } = await overflow(page);
			if (scrollWidth > PHONE.width) {
				problems.push(`${path}: ${scrollWidth}px wide: ${wide.join(', ')}`);
			}
		}
		expect(problems).toEqual([]);
	});
}

test('on a phone the conversation fills the screen and the side panels are drawers', async ({
	page
}) => {
	await signIn(page, ROLES.learner);
	await page.goto(group('/channels'));
	const composer = page.getByLabel('Message #general');
	await expect(composer).toBeVisible();
	await expect(page.getByTestId('connection-status')).toHaveText('Live');

	// The composer sits at the bottom of the screen, without scrolling the page.
	const pane = (await page.getByTestId('chat-pane').boundingBox())!;
	const form = (await composer.locator('xpath=ancestor::form[1]').boundingBox())!;
	expect(await page.evaluate(() => window.scrollY)).toBe(0);
	expect(pane.y + pane.height).toBeLessThanOrEqual(PHONE.height);
	expect(pane.y + pane.height).toBeGreaterThan(PHONE.height - 32);
	expect(form.y + form.height).toBeGreaterThan(PHONE.height - 40);
	expect(pane.height).toBeGreaterThan(PHONE.height / 2);
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
		PHONE.width
	);

	// The channel list is a drawer: closed, then opened by its button, focus inside, Escape
	// closes it and gives the focus back.
	const channelsButton = page.getByRole('button', { name: 'Channels', exact: true });
	const channelList = page.getByRole('navigation', { name: 'Channels' });
	await expect(channelList).toBeHidden();
	await expect(channelsButton).toHaveAttribute('aria-expanded', 'false');
	await channelsButton.click();
	await expect(channelsButton).toHaveAttribute('aria-expanded', 'true');
	await expect(channelList).toBeVisible();
	await expect(page.getByRole('button', { name: 'Close channels' })).toBeFocused();
	await page.keyboard.press('Escape');
	await expect(channelList).toBeHidden();
	await expect(channelsButton).toBeFocused();
	await expect(channelsButton).toHaveAttribute('aria-expanded', 'false');

	// The people drawer: opened by keyboard, closed by its Close button, focus back on the toggle.
	const peopleButton = page.getByRole('button', { name: 'People', exact: true });
	await peopleButton.focus();
	await page.keyboard.press('Enter');
	await expect(peopleButton).toHaveAttribute('aria-expanded', 'true');
	await expect(page.getByRole('list', { name: 'Online now' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Close people' })).toBeFocused();
	await page.keyboard.press('Enter');
	await expect(page.getByRole('list', { name: 'Online now' })).toBeHidden();
	await expect(peopleButton).toBeFocused();

	// Picking a channel in the drawer opens it and closes the drawer.
	await channelsButton.click();
	await channelList.getByRole('link', { name: 'Announcements' }).click();
	await expect(page).toHaveURL(/\/announcements$/);
	await expect(page.getByTestId('drawer-backdrop')).toHaveCount(0);

	// The group's tabs scroll sideways with a faded edge where more of them hide.
	await page.goto(group('/channels'));
	const tabs = page.getByRole('navigation', { name: 'Group sections' }).locator('ul');
	const { scrollWidth, clientWidth } = await tabs.evaluate((list) => ({
		scrollWidth: list.scrollWidth,
		clientWidth: list.clientWidth
	}));
	if (scrollWidth > clientWidth) {
		await expect(tabs).toHaveAttribute('data-more-end', '');
		await tabs.evaluate((list) => list.scrollTo({ left: list.scrollWidth }));
		await expect(tabs).toHaveAttribute('data-more-start', '');
		await expect(tabs).not.toHaveAttribute('data-more-end', '');
	}
});

test('the tab strip hints at tabs hidden past its edge', async ({ page }) => {
	await signIn(page, ROLES.admin);
	await page.goto(group());
	const tabs = page.getByRole('navigation', { name: 'Group sections' }).locator('ul');
	// An admin has eight tabs: more than a phone shows.
	await expect(tabs).toHaveAttribute('data-more-end', '');
	await expect(tabs).not.toHaveAttribute('data-more-start', '');
	const last = page.getByRole('navigation', { name: 'Group sections' }).getByRole('link', {
		name: 'Dashboard'
	});
	await last.focus();
	await expect(last).toBeInViewport();
	await expect(tabs).toHaveAttribute('data-more-start', '');
});
