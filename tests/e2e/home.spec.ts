import { expect, test, type Browser } from './fixtures';
import { signIn } from './sign-in';

// Issue 14 §2 and §1: the home page says what is new and where; the bell opens the latest
// notifications. Screenshots of both, and of the channel they lead to, on a phone and a desktop
// land in test-results/screens/.
const PASSWORD = 'demo-pass-2026';
const ADMIN = { email: 'olivia.grant@northfield.test', password: PASSWORD };
const LEADER = { email: 'nora.nowak2@learners.test', password: PASSWORD, name: 'Nora Nowak' };
const MEMBER = { email: 'maya.zhang36@learners.test', password: PASSWORD, name: 'Maya Zhang' };
const ASKER = { email: 'elias.byrne1@learners.test', password: PASSWORD };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

async function browserFor(
	browser: Browser,
	account: { email: string; password: string },
	viewport = DESKTOP
) {
	const context = await browser.newContext({ viewport });
	const page = await context.newPage();
	await signIn(page, account);
	return page;
}

async function northfield(page: Awaited<ReturnType<typeof browserFor>>) {
	const organisations = await (await page.request.get('/api/v1/organisations')).json();
	return (organisations.items ?? organisations).find(
		(organisation: { slug: string }) => organisation.slug === 'northfield'
	).id as string;
}

test('home says what is new and where, and opening a group lands in its conversation', async ({
	browser
}) => {
	test.setTimeout(180_000);
	const stamp = Date.now().toString(36);
	const name = `Field club ${stamp}`;
	const admin = await browserFor(browser, ADMIN);
	const organisationId = await northfield(admin);
	const created = await admin.request.post('/api/v1/groups', {
		data: { organisationId, name, kind: 'study group' }
	});
	expect(created.status()).toBe(201);
	const { id: groupId } = await created.json();
	for (const [account, role] of [
		[LEADER, 'leader'],
		[MEMBER, 'member']
	] as const) {
		const added = await admin.request.post(`/api/v1/groups/${groupId}/members`, {
			data: { emails: [account.email], role }
		});
		expect((await added.json()).errors).toEqual([]);
	}
	// A group that takes requests, and a request waiting in it.
	const club = await admin.request.post('/api/v1/groups', {
		data: {
			organisationId,
			name: `Chess ${stamp}`,
			kind: 'group',
			membershipMode: 'request',
			visibility: 'scope'
		}
	});
	expect(club.status()).toBe(201);
	const { id: clubId } = await club.json();
	const asker = await browserFor(browser, ASKER);
	expect(
		(await asker.request.post(`/api/v1/groups/${clubId}/requests`, { data: {} })).status()
	).toBe(201);
	await asker.context().close();

	// The leader mentions the member in the group's conversation and posts an announcement.
	const leader = await browserFor(browser, LEADER);
	await leader.goto(`/groups/${groupId}/channels`);
	await expect(leader.getByTestId('connection-status')).toHaveText('Live');
	await leader.getByLabel('Message #general').fill(`@${MEMBER.name} are you coming on Saturday?`);
	await leader.getByLabel('Message #general').press('Enter');
	await expect(
		leader
			.getByRole('log', { name: 'Messages in #general' })
			.getByText('are you coming on Saturday?')
	).toBeVisible();
	const announced = await leader.request.post(`/api/v1/groups/${groupId}/announcements`, {
		data: { title: `Trip to the coast ${stamp}`, body: 'We leave at **nine**.' }
	});
	expect(announced.status()).toBe(201);
	await leader.context().close();

	// The member's home: the unread message and mention in that group, the announcement.
	const member = await browserFor(browser, MEMBER);
	const unread = member.getByTestId('home-unread-group').filter({ hasText: name });
	await expect(unread).toContainText('1 unread message · 1 mention');
	await expect(unread.getByRole('link', { name: /^general/ })).toHaveAttribute(
		'href',
		new RegExp(`/groups/${groupId}/channels/`)
	);
	await expect(member.getByTestId('home-mentions')).toContainText(
		`${LEADER.name} in ${name} #general`
	);
	await expect(
		member
			.getByTestId('home-announcements')
			.getByRole('link', { name: `Trip to the coast ${stamp}` })
	).toHaveAttribute('href', `/groups/${groupId}/announcements`);
	await expect(member.getByTestId('home-activities')).toBeVisible();
	// Someone else's join request never waits for a learner of the group. (Other specs may have
	// made this learner a leader elsewhere, so the card itself may be there.)
	await expect(
		member.getByTestId('home-waiting').getByText(`join request to Chess ${stamp}`)
	).toHaveCount(0);
	await member.screenshot({ path: 'test-results/screens/home-desktop.png', fullPage: true });

	// The bell: its pop-over lists the latest, the newest (being added) unread; Escape closes it.
	const bell = member.getByTestId('notification-bell');
	await bell.click();
	await expect(bell).toHaveAttribute('aria-expanded', 'true');
	const popover = member.getByTestId('notification-popover');
	await expect(popover.getByTestId('popover-notification').first()).toBeVisible();
	await member.screenshot({ path: 'test-results/screens/bell-desktop.png' });
	await member.keyboard.press('Escape');
	await expect(popover).toHaveCount(0);
	await expect(bell).toBeFocused();
	await expect(bell).toHaveAttribute('aria-expanded', 'false');

	// Opening the group from "My groups" lands in its conversation, which marks it read.
	await member
		.getByRole('region', { name: 'My groups' })
		.getByRole('link', { name: new RegExp(name) })
		.click();
	await expect(member).toHaveURL(new RegExp(`/groups/${groupId}/channels/[0-9a-f-]{36}$`));
	await expect(member.getByRole('heading', { level: 2, name: 'general' })).toBeVisible();
	await expect(member.getByTestId('connection-status')).toHaveText('Live');
	await member.screenshot({ path: 'test-results/screens/channel-desktop.png' });
	await expect
		.poll(
			async () => {
				await member.goto('/');
				return member.getByTestId('home-unread-group').filter({ hasText: name }).count();
			},
			{ timeout: 15_000 }
		)
		.toBe(0);
	await expect(member.getByTestId('home-mentions')).not.toContainText(name);

	// The same on a phone.
	const phone = await browserFor(browser, MEMBER, PHONE);
	await phone.screenshot({ path: 'test-results/screens/home-phone.png', fullPage: true });
	await phone.getByTestId('notification-bell').click();
	await expect(phone.getByTestId('notification-popover')).toBeVisible();
	expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
		PHONE.width
	);
	await phone.screenshot({ path: 'test-results/screens/bell-phone.png' });
	await phone.keyboard.press('Escape');
	await phone.goto(`/groups/${groupId}/channels`);
	await expect(phone.getByTestId('connection-status')).toHaveText('Live');
	await phone.screenshot({ path: 'test-results/screens/channel-phone.png' });
	await phone.context().close();
	await member.context().close();

	// The organisation's admin: the request waits for them, with a link to decide it.
	await admin.goto('/');
	const waiting = admin.getByTestId('home-waiting');
	await expect(
		waiting.getByRole('link', { name: `1 join request to Chess ${stamp}` })
	).toHaveAttribute('href', `/groups/${clubId}/requests`);
	await admin.screenshot({ path: 'test-results/screens/home-admin-desktop.png', fullPage: true });
	await admin.context().close();
});

test('the bell marks one notification and then all read, and "See all" opens the inbox', async ({
	page
}) => {
	await signIn(page, MEMBER);
	const bell = page.getByTestId('notification-bell');
	// Make sure something is unread: a leader's announcement to a group Maya is in.
	const inès = await page.context().browser()!.newContext();
	const leaderPage = await inès.newPage();
	await signIn(leaderPage, { email: 'ines.moreau@northfield.test', password: PASSWORD });
	const posted = await leaderPage.request.post(
		'/api/v1/groups/00000000-0000-4000-c000-000000000001/announcements',
		{ data: { title: `Reading list ${Date.now().toString(36)}`, body: 'Chapter 3.' } }
	);
	expect(posted.status()).toBe(201);
	await inès.close();

	await expect(bell).not.toHaveAttribute('aria-label', 'Notifications, none unread');
	await bell.focus();
	await page.keyboard.press('Enter');
	const popover = page.getByTestId('notification-popover');
	const unreadItems = popover.locator('[data-testid="popover-notification"][data-unread="true"]');
	await expect(unreadItems.first()).toBeVisible();
	const before = await unreadItems.count();
	await unreadItems
		.first()
		.getByRole('button', { name: /^Mark read/ })
		.click();
	await expect(unreadItems).toHaveCount(before - 1);

	await popover.getByRole('button', { name: 'Mark all read' }).click();
	await expect(unreadItems).toHaveCount(0);
	await expect(bell).toHaveAttribute('aria-label', 'Notifications, none unread');

	await popover.getByRole('link', { name: 'See all' }).click();
	await expect(page).toHaveURL('/notifications');
	await expect(popover).toHaveCount(0);
	await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
});
